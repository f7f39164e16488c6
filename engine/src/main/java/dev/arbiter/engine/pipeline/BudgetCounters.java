package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.catalog.BudgetPeriod;
import java.util.Map;

/**
 * The caller's budget counters. The engine asks only for offers that have a budget, at most once
 * per offer per decision, and only says whether budget remains; counting (atomically, across nodes)
 * is the caller's job. Implementations must not block for long: the call is on the hot path.
 */
@FunctionalInterface
public interface BudgetCounters {

  /** Nothing used for any offer. */
  BudgetCounters NONE = (offerKey, period) -> BudgetUsage.ZERO;

  /**
   * The usage of the offer's budget in {@code period} ({@code DAY}: today as the caller defines it,
   * e.g. in the tenant's time zone).
   *
   * @return never null; {@link BudgetUsage#ZERO} when nothing was counted
   */
  BudgetUsage usage(String offerKey, BudgetPeriod period);

  /** Counters from a map of offer key to usage (the same usage for every period). */
  static BudgetCounters of(Map<String, BudgetUsage> usage) {
    Map<String, BudgetUsage> copy = Map.copyOf(usage);
    return (offerKey, period) -> copy.getOrDefault(offerKey, BudgetUsage.ZERO);
  }
}
