package dev.arbiter.decision;

import java.time.Instant;
import java.util.Map;

/** A decision trace as stored: indexed columns plus the API body. */
public record StoredTrace(
    String id,
    String tenantId,
    String decisionId,
    String requestId,
    String customerId,
    String flowKey,
    int flowVersion,
    Instant createdAt,
    Map<String, Object> body) {}
