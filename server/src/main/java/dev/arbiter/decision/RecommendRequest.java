package dev.arbiter.decision;

import java.util.Map;

/**
 * The body of {@code POST /api/v1/recommend}: who to decide for and where. {@code flowKey} wins
 * over {@code channel} + {@code placement}.
 */
public record RecommendRequest(
    String customerId,
    String channel,
    String placement,
    String flowKey,
    Integer limit,
    Map<String, Object> attributes,
    Map<String, Object> context) {}
