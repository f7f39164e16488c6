package dev.arbiter.outbox;

import java.time.Instant;

/**
 * An outbox row a publisher has claimed ({@code processing}), ready to send.
 *
 * @param event the CloudEvent exactly as stored (JSON text), sent as the record value
 * @param attempts attempts including this one
 * @param insertedAt when the row was inserted, for insert-to-ack latency
 */
public record ClaimedEvent(
    String id,
    String tenantId,
    String partitionKey,
    String event,
    int attempts,
    Instant insertedAt) {}
