package dev.arbiter.engine.pipeline;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One Recommend call, as the engine sees it.
 *
 * @param customerId the customer, may be null (not used by the engine beyond the trace)
 * @param flowKey the flow to use, or null to route by channel and placement
 * @param channel the channel asking, or null
 * @param placement the placement asking, or null
 * @param limit how many offers the caller wants, at least 1, or null for the flow's {@code
 *     maxOffers}; the result never exceeds the flow's {@code maxOffers}
 * @param attributes the customer's attributes, seen by rules as {@code customer}; null means none
 * @param context the request context, seen by rules as {@code request.context}; its {@code
 *     relevance} entry feeds arbitration (see {@link dev.arbiter.engine.arbitration.Factors})
 * @param time the decision time: schedules, contact-policy windows and budgets are judged at it;
 *     never null (the engine has no clock)
 * @param seed the seed of every random draw: the same seed and inputs give the same decision
 */
public record DecisionRequest(
    String customerId,
    String flowKey,
    String channel,
    String placement,
    Integer limit,
    Map<String, ?> attributes,
    Map<String, ?> context,
    Instant time,
    long seed) {
  public DecisionRequest {
    Objects.requireNonNull(time, "time");
    if (limit != null && limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1: " + limit);
    }
    attributes = attributes == null ? Map.of() : attributes;
    context = context == null ? Map.of() : context;
  }
}
