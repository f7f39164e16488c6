package dev.arbiter.outbox;

import java.time.Instant;

/**
 * The outbox across all tenants at one moment.
 *
 * @param oldestPendingCreatedAt creation time of the oldest row not yet published ({@code pending}
 *     or {@code processing}: a batch stuck in a publisher is as late as one never claimed); null
 *     when there is none
 * @param now the database's clock when this was read
 */
public record OutboxStats(
    long pending, long processing, long failed, Instant oldestPendingCreatedAt, Instant now) {

  /** Seconds the oldest unpublished event has waited; 0 when there is none. */
  public double oldestPendingAgeSeconds() {
    return oldestPendingCreatedAt == null
        ? 0
        : Math.max(0, (now.toEpochMilli() - oldestPendingCreatedAt.toEpochMilli()) / 1000.0);
  }
}
