package dev.arbiter.budget;

import dev.arbiter.engine.catalog.Budget;
import dev.arbiter.engine.catalog.BudgetPeriod;
import dev.arbiter.engine.pipeline.BudgetUsage;
import java.time.LocalDate;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Budget counters in this process's memory: exact for this process, blind to other nodes.
 *
 * <p>Each check-and-add is atomic per counter ({@link ConcurrentHashMap#compute}), so threads of
 * one process never exceed a budget together. Used alone it starts every counter at zero and
 * forgets them all when the process ends; {@link FailoverBudgetLedger} seeds it from PostgreSQL and
 * writes its counters back. Memory grows with the counters used; daily counters of past days are
 * dropped by {@link #forgetDaysBefore}. Thread-safe.
 */
public final class LocalBudgetLedger implements BudgetLedger {
  private final ConcurrentHashMap<BudgetCounterKey, BudgetCount> counters =
      new ConcurrentHashMap<>();

  /** An empty ledger. */
  public LocalBudgetLedger() {}

  @Override
  public Map<String, BudgetUsage> usage(
      String tenantId, Map<String, BudgetPeriod> offers, LocalDate day) {
    Map<String, BudgetUsage> usage = new LinkedHashMap<>();
    offers.forEach(
        (offerKey, period) -> {
          BudgetCount count = counters.get(BudgetCounterKey.of(tenantId, offerKey, period, day));
          usage.put(offerKey, count == null ? BudgetUsage.ZERO : count.usage());
        });
    return usage;
  }

  @Override
  public boolean tryConsume(
      String tenantId, String offerKey, Budget budget, LocalDate day, long decisions, double cost) {
    Limits.checkAmounts(decisions, cost);
    BudgetCounterKey key = BudgetCounterKey.of(tenantId, offerKey, budget.period(), day);
    return consume(key, Limits.of(budget), decisions, BudgetCount.micros(cost), BudgetCount.ZERO)
        .accepted();
  }

  @Override
  public boolean addSpent(
      String tenantId, String offerKey, BudgetPeriod period, LocalDate day, double cost) {
    Limits.checkAmounts(0, cost);
    BudgetCounterKey key = BudgetCounterKey.of(tenantId, offerKey, period, day);
    return consume(key, Limits.UNLIMITED, 0, BudgetCount.micros(cost), BudgetCount.ZERO).accepted();
  }

  /**
   * Always false: these counts live only in this process's memory ({@link FailoverBudgetLedger}
   * saves them to PostgreSQL).
   */
  @Override
  public boolean flush() {
    return false;
  }

  /**
   * Checks and adds atomically.
   *
   * @param seed where an absent counter starts; null to answer {@code UNSEEDED} instead
   */
  Consumption consume(
      BudgetCounterKey key, Limits limits, long decisions, long costMicros, BudgetCount seed) {
    Consumption[] result = new Consumption[1];
    counters.compute(
        key,
        (k, used) -> {
          if (used == null && seed == null) {
            result[0] = Consumption.UNSEEDED;
            return null;
          }
          BudgetCount current = used == null ? seed : used;
          if (!limits.admit(current, decisions, costMicros)) {
            result[0] = new Consumption(Consumption.Outcome.EXHAUSTED, current);
            return current;
          }
          BudgetCount next = current.plus(decisions, costMicros);
          result[0] = new Consumption(Consumption.Outcome.ACCEPTED, next);
          return next;
        });
    return result[0];
  }

  /** The counters of {@code keys} that are held; absent ones are left out. */
  Map<BudgetCounterKey, BudgetCount> read(Collection<BudgetCounterKey> keys) {
    Map<BudgetCounterKey, BudgetCount> found = new HashMap<>();
    for (BudgetCounterKey key : keys) {
      BudgetCount count = counters.get(key);
      if (count != null) {
        found.put(key, count);
      }
    }
    return found;
  }

  /** Sets each absent counter to its seed; returns every given key's value after. */
  Map<BudgetCounterKey, BudgetCount> seed(Map<BudgetCounterKey, BudgetCount> seeds) {
    Map<BudgetCounterKey, BudgetCount> now = new HashMap<>();
    seeds.forEach((key, seed) -> now.put(key, counters.merge(key, seed, (held, s) -> held)));
    return now;
  }

  /** Forgets every counter. */
  void clear() {
    counters.clear();
  }

  /** Forgets daily counters of days before {@code day}; total counters stay. */
  public void forgetDaysBefore(LocalDate day) {
    counters.keySet().removeIf(k -> k.isDayBefore(day));
  }

  /** How many counters are held. */
  int size() {
    return counters.size();
  }
}
