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

  /**
   * Replaces what node {@code nodeId} counted during a Redis outage and has not added to Redis yet
   * (empty: it has added everything), stamped with the database's clock; in one transaction.
   *
   * @return the node's rows that were there before, as they were: a row it wrote last time and
   *     missing now was taken by another node ({@link #takeAbandonedOutageAdditions}), which added
   *     it to Redis
   * @throws RuntimeException when the store cannot be written
   */
  Map<BudgetCounterKey, BudgetCount> replaceOutageAdditions(
      String nodeId, Map<BudgetCounterKey, BudgetCount> additions);

  /**
   * Takes outage additions that nodes left behind (not rewritten for {@code abandonedAfter} by the
   * database's clock: the node stopped or crashed before it could add them to Redis), at most
   * {@code limit} rows, and hands them to {@code add} one node at a time; they are deleted only if
   * every {@code add} returns, in the same transaction, which holds the rows so that no other node
   * (nor their owner, should it still live) takes them meanwhile.
   *
   * @return how many rows were taken
   * @throws RuntimeException when the store cannot be read or written, or {@code add} fails (then
   *     nothing is deleted)
   */
  int takeAbandonedOutageAdditions(
      java.time.Duration abandonedAfter,
      int limit,
      java.util.function.Consumer<Map<BudgetCounterKey, BudgetCount>> add);
}
