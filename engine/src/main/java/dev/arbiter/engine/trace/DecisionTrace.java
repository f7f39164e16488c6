package dev.arbiter.engine.trace;

import java.util.List;

/**
 * Everything a decision did, shaped like the HTTP decision-trace resource.
 *
 * @param flowKey the flow that served the decision, null when no flow could be routed
 * @param flowVersion the flow's published version, 0 when no flow
 * @param catalogVersion the catalog snapshot's version
 * @param routing how the flow was found: {@code flow_key}, {@code channel_placement}, {@code
 *     wildcard}, or {@code none}
 * @param candidates the size of the flow's inventory
 * @param stages one entry per stage that ran, in pipeline order; immutable
 * @param scores one entry per offer that reached scoring, in candidate order; immutable
 * @param result the keys of the returned offers, best first; immutable
 */
public record DecisionTrace(
    String flowKey,
    int flowVersion,
    long catalogVersion,
    String routing,
    int candidates,
    List<StageTrace> stages,
    List<OfferScore> scores,
    List<String> result) {
  public DecisionTrace {
    stages = List.copyOf(stages);
    scores = List.copyOf(scores);
    result = List.copyOf(result);
  }
}
