package dev.arbiter.decision;

import java.time.Instant;
import java.util.Map;

/**
 * A decision trace as stored: indexed columns plus the API body.
 *
 * @param body what is written as the trace's JSON: a {@link TraceView} from Recommend, the parsed
 *     document (a map) when read back
 */
public record StoredTrace(
    String id,
    String tenantId,
    String decisionId,
    String requestId,
    String customerId,
    String flowKey,
    int flowVersion,
    Instant createdAt,
    Object body) {

  /** The body as read back from the database: the trace's JSON document. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> document() {
    return (Map<String, Object>) body;
  }
}
