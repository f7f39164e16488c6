package dev.arbiter.outbox;

import java.time.Instant;

/**
 * The outbox across all tenants at one moment.
 *
 * @param oldestPendingCreatedAt creation time of the oldest row not yet published ({@code pending}
 *     or {@code processing}: a batch stuck in a publisher is as late as one never claimed); null
 *     when there is none
 * @param now the database's clock when this was read
 * @param pendingEstimated whether {@code pending} is PostgreSQL's estimate rather than a count: a
 *     backlog larger than the store counts exactly ({@code JdbcOutboxStore.EXACT_PENDING_LIMIT})
 */
public record OutboxStats(
    long pending,
    long processing,
    long failed,
    Instant oldestPendingCreatedAt,
    Instant now,
    boolean pendingEstimated) {

  /** Exact counts. */
  public OutboxStats(
      long pending, long processing, long failed, Instant oldestPendingCreatedAt, Instant now) {
    this(pending, processing, failed, oldestPendingCreatedAt, now, false);
  }

  /** These stats with {@code pending} replaced by an estimate. */
  public OutboxStats withEstimatedPending(long estimate) {
    return new OutboxStats(estimate, processing, failed, oldestPendingCreatedAt, now, true);
  }

  /** Seconds the oldest unpublished event has waited; 0 when there is none. */
  public double oldestPendingAgeSeconds() {
    return oldestPendingCreatedAt == null
        ? 0
        : Math.max(0, (now.toEpochMilli() - oldestPendingCreatedAt.toEpochMilli()) / 1000.0);
  }
}
