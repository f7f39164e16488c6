package dev.arbiter.decision;

import java.time.Instant;
import java.util.Map;

/**
 * An event for the outbox: a CloudEvents 1.0 document and the key that keeps one customer's events
 * in order.
 */
public record OutboxEvent(
    String id,
    String tenantId,
    String type,
    String partitionKey,
    Map<String, Object> event,
    Instant createdAt) {}
