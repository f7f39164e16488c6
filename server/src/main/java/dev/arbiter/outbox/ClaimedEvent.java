package dev.arbiter.outbox;

import java.time.Instant;
import java.util.List;

/**
 * An outbox row a publisher has claimed ({@code processing}), ready to send: one event, or a batch
 * of events (since V12), each sent as a Kafka record of its own. The row is published when every
 * one of its records is acknowledged; a failure of any fails the row, whose events are then all
 * sent again (at-least-once: a consumer may see an event twice, never none).
 *
 * @param records the row's events as Kafka records, in id order; empty when this node cannot read
 *     the stored document (see {@code unreadable})
 * @param eventCount how many events the row holds (its {@code event_count}), also when unreadable
 * @param attempts attempts including this one
 * @param insertedAt when the row was inserted, for insert-to-ack latency
 * @param unreadable why the stored document could not be read (corrupt, or compressed with a codec
 *     this node cannot load); null when {@code records} is set. Such a row fails its attempt like a
 *     refused send, so it is retried and then dead-lettered instead of holding back the rest.
 */
public record ClaimedEvent(
    String id,
    String tenantId,
    List<Record> records,
    int eventCount,
    int attempts,
    Instant insertedAt,
    String unreadable) {

  /**
   * One event as a Kafka record.
   *
   * @param key the Kafka key: tenant and customer, so one customer's events stay in order
   * @param value the CloudEvent as JSON (UTF-8): the bytes its writer produced when stored
   *     compressed, PostgreSQL's rendering of it when stored as jsonb
   */
  public record Record(String id, String key, byte[] value) {}

  /** A claimed row that was read. */
  public ClaimedEvent(
      String id, String tenantId, List<Record> records, int attempts, Instant insertedAt) {
    this(id, tenantId, records, records.size(), attempts, insertedAt, null);
  }
}
