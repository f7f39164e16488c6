package dev.arbiter.outbox;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One outbox row as the events and admin APIs show it.
 *
 * @param events the row's CloudEvents 1.0 documents, in id order: one, or a batch (since V12); one
 *     that says why when the row cannot be read
 * @param eventCount how many events the row holds ({@code event_count}), also when unreadable
 * @param status {@code pending}, {@code processing}, {@code published} or {@code failed}
 * @param lastError why the last attempt failed; null if none did
 * @param insertedAt the database's clock when the row was inserted: the log's order
 */
public record StoredEvent(
    String id,
    String tenantId,
    String type,
    String partitionKey,
    List<Map<String, Object>> events,
    int eventCount,
    String status,
    int attempts,
    Instant nextAttemptAt,
    String lastError,
    Instant createdAt,
    Instant claimedAt,
    Instant publishedAt,
    Instant insertedAt) {

  /**
   * The position of this row in the log, as a cursor holds it: {@code epochMicros:id}; of its event
   * {@code index} (from 0) in a batch row, {@code epochMicros:id:index}.
   */
  public String position() {
    return micros() + ":" + id;
  }

  /** The position of the row's event {@code index}; the row's own for a row of one event. */
  public String position(int index) {
    return events.size() == 1 ? position() : position() + ":" + index;
  }

  private long micros() {
    return java.util.concurrent.TimeUnit.SECONDS.toMicros(insertedAt.getEpochSecond())
        + insertedAt.getNano() / 1000;
  }
}
