package dev.arbiter.outbox;

import java.time.Instant;
import java.util.Map;

/**
 * One outbox row as the events and admin APIs show it.
 *
 * @param event the CloudEvents 1.0 document
 * @param status {@code pending}, {@code processing}, {@code published} or {@code failed}
 * @param lastError why the last attempt failed; null if none did
 * @param insertedAt the database's clock when the row was inserted: the log's order
 */
public record StoredEvent(
    String id,
    String tenantId,
    String type,
    String partitionKey,
    Map<String, Object> event,
    String status,
    int attempts,
    Instant nextAttemptAt,
    String lastError,
    Instant createdAt,
    Instant claimedAt,
    Instant publishedAt,
    Instant insertedAt) {

  /** The position of this event in the log, as a cursor holds it: {@code epochMicros:id}. */
  public String position() {
    long micros =
        java.util.concurrent.TimeUnit.SECONDS.toMicros(insertedAt.getEpochSecond())
            + insertedAt.getNano() / 1000;
    return micros + ":" + id;
  }
}
