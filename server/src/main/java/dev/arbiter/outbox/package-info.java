/**
 * The transactional outbox and its relay to Kafka. Events are rows of {@code outbox_events} (since
 * V12 a row may hold several decision events of one write, {@code db.EventBatch}), written in the
 * same transaction as the change they describe; a publisher claims them with {@code FOR UPDATE SKIP
 * LOCKED}, publishes them as CloudEvents and marks them published only after the broker
 * acknowledged them (at-least-once, never lost). Without Kafka the table is an event log read over
 * the API and bounded by retention.
 */
package dev.arbiter.outbox;
