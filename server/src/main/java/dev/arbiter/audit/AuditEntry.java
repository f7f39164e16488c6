package dev.arbiter.audit;

import java.time.Instant;
import java.util.Map;

/**
 * One audited write.
 *
 * @param action {@code create}, {@code update}, {@code delete}, {@code publish} or {@code import}
 * @param before the resource before the write, null for a create
 * @param after the resource after the write, null for a delete
 */
public record AuditEntry(
    String id,
    Instant at,
    String actor,
    String action,
    String kind,
    String key,
    String resourceId,
    String requestId,
    Map<String, Object> before,
    Map<String, Object> after) {

  /** An entry with a new id, made at {@code at} by the request whose id the log context holds. */
  public static AuditEntry of(
      Instant at,
      String actor,
      String action,
      String kind,
      String key,
      String resourceId,
      Map<String, Object> before,
      Map<String, Object> after) {
    return new AuditEntry(
        dev.arbiter.shared.Ids.newId(),
        at,
        actor,
        action,
        kind,
        key,
        resourceId,
        org.slf4j.MDC.get("requestId"),
        before,
        after);
  }
}
