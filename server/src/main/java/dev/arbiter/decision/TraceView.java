package dev.arbiter.decision;

import dev.arbiter.engine.trace.DecisionTrace;
import tools.jackson.databind.annotation.JsonSerialize;

/**
 * A decision trace as stored and served ({@code GET /api/v1/decision-traces/{id}}, and inline with
 * {@code X-Debug}): the engine's {@link DecisionTrace} with the decision's ids and request. Written
 * by {@link TraceJson} field by field on the decision-log writer, so a sampled decision builds no
 * maps of its own trace.
 *
 * @param id the trace's id
 * @param decisionId the decision's id
 * @param requestId the request's id
 * @param request the request as received
 * @param createdAt when it was decided, ISO-8601
 * @param seed the decision's random seed
 * @param trace the engine's trace
 */
@JsonSerialize(using = TraceJson.class)
public record TraceView(
    String id,
    String decisionId,
    String requestId,
    RecommendRequest request,
    String createdAt,
    long seed,
    DecisionTrace trace) {}
