package dev.arbiter.decision;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * An event for the outbox: a CloudEvents 1.0 document and the key that keeps one customer's events
 * in order.
 *
 * @param event the document: whatever the application's {@code JsonMapper} writes as the event's
 *     JSON (a {@link CloudEvent}, or a map)
 * @param settled for an event the {@link DecisionLog} writes: completed once it is stored, or no
 *     longer worth waiting for (dropped, or the database is failing); null when nobody waits
 */
public record OutboxEvent(
    String id,
    String tenantId,
    String type,
    String partitionKey,
    Object event,
    Instant createdAt,
    CompletableFuture<Void> settled) {

  /** An event nobody waits for. */
  public OutboxEvent(
      String id,
      String tenantId,
      String type,
      String partitionKey,
      Object event,
      Instant createdAt) {
    this(id, tenantId, type, partitionKey, event, createdAt, null);
  }

  /** Tells whoever waits for this event to wait no longer. */
  void settle() {
    if (settled != null) {
      settled.complete(null);
    }
  }

  /**
   * A CloudEvents 1.0 JSON document, its attributes in this order. A record, not a map: Jackson
   * writes a record's properties with serializers it resolved once, where it looks up a map's
   * serializer for each value by its class; that lookup was 13% of the time the decision log spent
   * writing every decision's event (bench/RESULTS.md).
   *
   * @param data a record or a map
   */
  @JsonPropertyOrder({
    "specversion",
    "id",
    "source",
    "type",
    "subject",
    "time",
    "datacontenttype",
    "data"
  })
  public record CloudEvent(
      String specversion,
      String id,
      String source,
      String type,
      String subject,
      String time,
      String datacontenttype,
      Object data) {}

  /**
   * A CloudEvents 1.0 JSON event about a customer: source {@code /arbiter/tenants/{tenantKey}},
   * subject the customer, Kafka key {@code tenantKey:customerId}.
   *
   * @param id the event id, also the id of what it records (a decision, an interaction)
   * @param time when it happened
   * @param data the event's data: a record or a map
   */
  public static OutboxEvent cloudEvent(
      String id,
      String tenantId,
      String tenantKey,
      String type,
      String customerId,
      Instant time,
      Object data) {
    return cloudEvent(id, tenantId, tenantKey, type, customerId, time, time.toString(), data, null);
  }

  /**
   * As {@link #cloudEvent(String, String, String, String, String, Instant, Object)}, with {@code
   * time} already formatted ({@code Instant.toString()}) by a caller that needs it too, and the
   * future {@code settled} (or null) that completes once the event is stored or dropped.
   */
  static OutboxEvent cloudEvent(
      String id,
      String tenantId,
      String tenantKey,
      String type,
      String customerId,
      Instant time,
      String timeText,
      Object data,
      CompletableFuture<Void> settled) {
    CloudEvent event =
        new CloudEvent(
            "1.0",
            id,
            "/arbiter/tenants/" + tenantKey,
            type,
            customerId,
            timeText,
            "application/json",
            data);
    return new OutboxEvent(id, tenantId, type, tenantKey + ":" + customerId, event, time, settled);
  }
}
