package dev.arbiter.outbox;

import java.time.Instant;

/**
 * An outbox row a publisher has claimed ({@code processing}), ready to send.
 *
 * @param event the CloudEvent as JSON (UTF-8), sent as the record value: the bytes its writer
 *     produced when stored compressed, PostgreSQL's rendering of it when stored as jsonb; null when
 *     this node cannot read the stored event (see {@code unreadable})
 * @param attempts attempts including this one
 * @param insertedAt when the row was inserted, for insert-to-ack latency
 * @param unreadable why the stored event could not be read (corrupt, or compressed with a codec
 *     this node cannot load); null when {@code event} is set. Such an event fails its attempt like
 *     a refused send, so it is retried and then dead-lettered instead of holding back the rest.
 */
public record ClaimedEvent(
    String id,
    String tenantId,
    String partitionKey,
    byte[] event,
    int attempts,
    Instant insertedAt,
    String unreadable) {

  /** A claimed event that was read. */
  public ClaimedEvent(
      String id,
      String tenantId,
      String partitionKey,
      byte[] event,
      int attempts,
      Instant insertedAt) {
    this(id, tenantId, partitionKey, event, attempts, insertedAt, null);
  }
}
