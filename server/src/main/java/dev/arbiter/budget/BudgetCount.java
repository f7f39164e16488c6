package dev.arbiter.budget;

import dev.arbiter.engine.pipeline.BudgetUsage;

/**
 * A counter's value as it is stored: exact integers.
 *
 * @param decisions non-negative
 * @param costMicros cost in millionths of the currency unit, non-negative
 */
public record BudgetCount(long decisions, long costMicros) {
  public static final BudgetCount ZERO = new BudgetCount(0, 0);
  static final double MICROS_PER_UNIT = 1_000_000d;

  public BudgetCount {
    if (decisions < 0 || costMicros < 0) {
      throw new IllegalArgumentException(
          "Expected non-negative budget counts, but got " + decisions + " and " + costMicros);
    }
  }

  /** The usage as the engine reads it. */
  public BudgetUsage usage() {
    return new BudgetUsage(decisions, costMicros / MICROS_PER_UNIT);
  }

  /** Each part the larger of the two: counters only grow, so the larger one is the newer. */
  public BudgetCount max(BudgetCount other) {
    if (other == null) {
      return this;
    }
    return new BudgetCount(
        Math.max(decisions, other.decisions), Math.max(costMicros, other.costMicros));
  }

  /** This count with more added; throws on overflow. */
  public BudgetCount plus(long moreDecisions, long moreCostMicros) {
    return new BudgetCount(
        Math.addExact(decisions, moreDecisions), Math.addExact(costMicros, moreCostMicros));
  }

  /** This count and {@code other} added; throws on overflow. */
  public BudgetCount plus(BudgetCount other) {
    return plus(other.decisions, other.costMicros);
  }

  /** This count less {@code other}, each part at least zero. */
  BudgetCount minus(BudgetCount other) {
    return new BudgetCount(
        Math.max(0, decisions - other.decisions), Math.max(0, costMicros - other.costMicros));
  }

  /** Whether both parts are zero. */
  boolean isZero() {
    return decisions == 0 && costMicros == 0;
  }

  /** {@code cost} in millionths, rounded half up. */
  static long micros(double cost) {
    return Math.round(cost * MICROS_PER_UNIT);
  }
}
