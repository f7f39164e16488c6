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
}
