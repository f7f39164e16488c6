package dev.arbiter.budget;

import java.time.Instant;
import java.util.Collection;
import java.util.Map;

/**
 * The durable copy of budget counters (PostgreSQL in production: {@code
 * dev.arbiter.budget.jdbc.JdbcBudgetCounterStore}). Thread-safe.
 */
public interface BudgetCounterStore {

  /**
   * The stored values of {@code keys} in one read.
   *
   * @return only the keys that have a stored value
   * @throws RuntimeException when the store cannot be read
   */
  Map<BudgetCounterKey, BudgetCount> load(Collection<BudgetCounterKey> keys);

  /**
   * Raises each stored counter to the given value, part by part ({@code greatest}); never lowers
   * one, so writers that race or arrive late cannot move a counter backwards.
   *
   * @param at when, for {@code updated_at}
   * @throws RuntimeException when the store cannot be written; nothing or everything is written
   */
  void saveMax(Map<BudgetCounterKey, BudgetCount> counts, Instant at);
}
