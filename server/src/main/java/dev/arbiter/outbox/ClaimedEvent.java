package dev.arbiter.outbox;

import java.time.Instant;

/**
 * An outbox row a publisher has claimed ({@code processing}), ready to send.
 *
 * @param event the CloudEvent as JSON (UTF-8), sent as the record value: the bytes its writer
 *     produced when stored compressed, PostgreSQL's rendering of it when stored as jsonb
 * @param attempts attempts including this one
 * @param insertedAt when the row was inserted, for insert-to-ack latency
 */
public record ClaimedEvent(
    String id,
    String tenantId,
    String partitionKey,
    byte[] event,
    int attempts,
    Instant insertedAt) {}
