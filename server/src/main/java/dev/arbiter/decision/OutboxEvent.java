package dev.arbiter.decision;

import java.time.Instant;
import java.util.LinkedHashMap;
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
    Instant createdAt) {

  /**
   * A CloudEvents 1.0 JSON event about a customer: source {@code /arbiter/tenants/{tenantKey}},
   * subject the customer, Kafka key {@code tenantKey:customerId}.
   *
   * @param id the event id, also the id of what it records (a decision, an interaction)
   * @param time when it happened
   */
  public static OutboxEvent cloudEvent(
      String id,
      String tenantId,
      String tenantKey,
      String type,
      String customerId,
      Instant time,
      Map<String, Object> data) {
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("specversion", "1.0");
    event.put("id", id);
    event.put("source", "/arbiter/tenants/" + tenantKey);
    event.put("type", type);
    event.put("subject", customerId);
    event.put("time", time.toString());
    event.put("datacontenttype", "application/json");
    event.put("data", data);
    return new OutboxEvent(id, tenantId, type, tenantKey + ":" + customerId, event, time);
  }
}
