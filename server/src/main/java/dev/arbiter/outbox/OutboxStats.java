package dev.arbiter.outbox;

import java.time.Instant;

/**
 * The outbox across all tenants at one moment.
 *
 * @param oldestPendingCreatedAt creation time of the oldest pending row; null when none is pending
 * @param now the database's clock when this was read
 */
public record OutboxStats(
    long pending, long processing, long failed, Instant oldestPendingCreatedAt, Instant now) {

  /** Seconds the oldest pending event has waited; 0 when none is pending. */
  public double oldestPendingAgeSeconds() {
    return oldestPendingCreatedAt == null
        ? 0
        : Math.max(0, (now.toEpochMilli() - oldestPendingCreatedAt.toEpochMilli()) / 1000.0);
  }
}
