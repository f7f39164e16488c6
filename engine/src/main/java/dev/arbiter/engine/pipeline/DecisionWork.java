package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.catalog.Flow;
import dev.arbiter.engine.catalog.Offer;
import dev.arbiter.engine.trace.Reason;
import dev.arbiter.engine.trace.Stage;

/**
 * The scratch state of one decision: the surviving candidates (indices into the flow's candidate
 * array, compacted in place by each stage), the removals, and the per-offer factors. Confined to
 * the thread running the decision; arrays are sized once per decision.
 */
final class DecisionWork {
  final CatalogSnapshot snapshot;
  final Flow flow;
  final Offer[] candidates;
  final DecisionRequest request;
  final CustomerState customer;
  final RuntimeState runtime;
  final String channel;
  final String placement;
  final DecisionData data;

  final int[] alive;
  int count;

  final int[] removedIndex;

  /** {@link Stage#ordinal()} of each removal: a byte, not an 8-byte reference, per offer. */
  final byte[] removedStage;

  final Reason[] removedReason;
  int removedCount;

  private static final int STAGES = Stage.values().length;

  final int[] stageIn = new int[STAGES];
  final int[] stageOut = new int[STAGES];
  final long[] stageNanos = new long[STAGES];
  final boolean[] stageRan = new boolean[STAGES];

  int[] scoredIndex;
  int scoredCount;
  final double[] propensity;
  final boolean[] fallback;

  /**
   * Whether the flow's model raised an error for some offer (a model failure, which its circuit
   * breaker counts), as opposed to not being able to score an offer from the decision's data (a
   * missing feature: the fallback score, no failure).
   */
  boolean modelFailed;

  /** Whether the flow's model gave some offer a valid propensity of its own. */
  boolean modelScored;

  /**
   * Why each candidate got the fallback score ({@link FallbackCause}), by candidate index; null
   * until some candidate does, so a decision without a fallback allocates nothing for it.
   */
  FallbackCause[] fallbackCause;

  /** The first error the flow's model raised in this decision, as the trace names it. */
  String modelError;

  /** Whether the model call just made raised (read and cleared by the scoring stage). */
  boolean raised;

  /** Marks candidate {@code i}'s propensity as the model's fallback score, for {@code cause}. */
  void fallBack(int i, FallbackCause cause) {
    fallback[i] = true;
    if (fallbackCause == null) {
      fallbackCause = new FallbackCause[fallback.length];
    }
    fallbackCause[i] = cause;
  }

  /**
   * The relevance used for each offer when the request overrides some ({@code context.relevance});
   * null otherwise, when every offer's is its flow's static factor.
   */
  double[] relevance;

  final double[] rankKey;
  final boolean[] eliminated;

  int[] result = new int[0];
  int resultCount;

  DecisionWork(
      CatalogSnapshot snapshot,
      Flow flow,
      DecisionRequest request,
      CustomerState customer,
      RuntimeState runtime) {
    this.snapshot = snapshot;
    this.flow = flow;
    this.candidates = flow.candidatesArray();
    this.request = request;
    this.customer = customer;
    this.runtime = runtime;
    this.channel = effective(request.channel(), flow.channel());
    this.placement = effective(request.placement(), flow.placement());
    this.data =
        new DecisionData(
            snapshot.pathTable(), request.attributes(), channel, placement, request.context());
    int n = candidates.length;
    alive = new int[n];
    for (int i = 0; i < n; i++) {
      alive[i] = i;
    }
    count = n;
    removedIndex = new int[n];
    removedStage = new byte[n];
    removedReason = new Reason[n];
    propensity = new double[n];
    fallback = new boolean[n];
    rankKey = new double[n];
    eliminated = new boolean[n];
  }

  private static String effective(String requested, String served) {
    if (requested != null) {
      return requested;
    }
    return Flow.WILDCARD.equals(served) ? null : served;
  }

  /** The relevance arbitration used for candidate {@code i}. */
  double relevance(int i) {
    return relevance == null ? flow.relevanceFactor(i) : relevance[i];
  }

  void remove(int index, Stage stage, Reason reason) {
    removedIndex[removedCount] = index;
    removedStage[removedCount] = (byte) stage.ordinal();
    removedReason[removedCount] = reason;
    removedCount++;
  }
}
