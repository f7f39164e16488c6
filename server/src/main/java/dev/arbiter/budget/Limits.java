package dev.arbiter.budget;

import dev.arbiter.engine.catalog.Budget;

/**
 * A budget's limits in counter units; {@value #NONE} where the budget sets none. The one place the
 * fit rule is written in Java (the Redis script repeats it in Lua).
 */
record Limits(long maxDecisions, long maxCostMicros) {
  static final long NONE = -1;

  static Limits of(Budget budget) {
    return new Limits(
        budget.maxDecisions() == null ? NONE : budget.maxDecisions(),
        budget.maxCost() == null ? NONE : BudgetCount.micros(budget.maxCost()));
  }

  /** No limit at all: what {@link BudgetLedger#addSpent} adds under. */
  static final Limits UNLIMITED = new Limits(NONE, NONE);

  /** Whether adding to {@code used} stays within these limits (see {@link BudgetLedger}). */
  boolean admit(BudgetCount used, long decisions, long costMicros) {
    if (maxDecisions != NONE && used.decisions() + decisions > maxDecisions) {
      return false;
    }
    if (maxCostMicros != NONE) {
      return costMicros > 0
          ? used.costMicros() + costMicros <= maxCostMicros
          : used.costMicros() < maxCostMicros;
    }
    return true;
  }

  static void checkAmounts(long decisions, double cost) {
    if (decisions < 0) {
      throw new IllegalArgumentException(
          "Expected a non-negative number of decisions, but got " + decisions);
    }
    if (!(cost >= 0) || Double.isInfinite(cost)) {
      throw new IllegalArgumentException("Expected a non-negative finite cost, but got " + cost);
    }
  }
}
