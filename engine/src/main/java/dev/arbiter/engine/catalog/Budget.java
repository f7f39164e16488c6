package dev.arbiter.engine.catalog;

import java.util.Objects;

/**
 * A valid offer budget: at least one limit is set.
 *
 * @param maxDecisions non-negative, or null
 * @param maxCost non-negative, or null
 * @param period never null
 */
public record Budget(Long maxDecisions, Double maxCost, BudgetPeriod period) {
  public Budget {
    Objects.requireNonNull(period, "period");
    if (maxDecisions == null && maxCost == null) {
      throw new IllegalArgumentException("a budget needs maxDecisions or maxCost");
    }
  }

  /** Whether {@code used} decisions leave none: at least {@code maxDecisions} (when set). */
  public boolean decisionsUsedUp(long used) {
    return maxDecisions != null && used >= maxDecisions;
  }

  /**
   * Whether the cost used leaves no room for another decision of an offer costing {@code
   * offerCost}: used plus that cost above {@code maxCost}, or, for an offer without a cost, used at
   * least {@code maxCost} (when set).
   */
  public boolean costUsedUp(double used, double offerCost) {
    return maxCost != null && (offerCost > 0 ? used + offerCost > maxCost : used >= maxCost);
  }
}
