package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.catalog.Offer;
import dev.arbiter.engine.trace.DecisionTrace;
import dev.arbiter.engine.trace.OfferScore;
import dev.arbiter.engine.trace.Removal;
import dev.arbiter.engine.trace.Stage;
import dev.arbiter.engine.trace.StageTrace;
import java.util.ArrayList;
import java.util.List;

/**
 * The result of one decision: the ranked offers and everything needed to explain them. The ranked
 * offers and stage counts are ready at once; the full {@link #trace()} (removal reasons, per-offer
 * factors) is formatted on first request, so a caller that does not keep traces pays nothing for
 * them. Immutable once returned; {@link #trace()} is safe to call from any thread.
 */
public final class Decision {
  /** Whether a flow served the request. */
  public enum Status {
    /** A flow was found and the pipeline ran (the offer list may still be empty). */
    DECIDED,
    /** No flow serves the request; {@link #message()} says what was looked for. */
    NO_FLOW
  }

  private final Status status;
  private final String message;
  private final long catalogVersion;
  private final String routing;
  private final DecisionWork work;
  private final List<RankedOffer> offers;
  private volatile DecisionTrace trace;

  private Decision(
      Status status, String message, long catalogVersion, String routing, DecisionWork work) {
    this.status = status;
    this.message = message;
    this.catalogVersion = catalogVersion;
    this.routing = routing;
    this.work = work;
    this.offers = work == null ? List.of() : rankedOffers(work);
  }

  static Decision decided(DecisionWork work, String routing) {
    return new Decision(Status.DECIDED, null, work.snapshot.catalogVersion(), routing, work);
  }

  static Decision noFlow(long catalogVersion, String message) {
    return new Decision(Status.NO_FLOW, message, catalogVersion, "none", null);
  }

  private static List<RankedOffer> rankedOffers(DecisionWork w) {
    List<RankedOffer> list = new ArrayList<>(w.resultCount);
    for (int rank = 0; rank < w.resultCount; rank++) {
      int i = w.result[rank];
      Offer offer = w.candidates[i];
      list.add(
          new RankedOffer(
              rank + 1,
              offer.key(),
              offer.id(),
              offer.name(),
              w.flow.profile().score(w.rankKey[i]),
              w.propensity[i],
              w.fallback[i],
              offer.content()));
    }
    return List.copyOf(list);
  }

  public Status status() {
    return status;
  }

  /** Why no flow was found, for {@link Status#NO_FLOW}; null otherwise. */
  public String message() {
    return message;
  }

  /**
   * Whether the flow's model raised an error while scoring this decision: a failure for its circuit
   * breaker. An offer the model could not score from the decision's data (a missing feature) has
   * the fallback score too, but is no failure of the model.
   */
  public boolean modelFailed() {
    return work != null && work.modelFailed;
  }

  /**
   * Whether the flow's model gave some offer of this decision a propensity of its own (not the
   * fallback score): a success for its circuit breaker, unless it also {@link #modelFailed()}.
   */
  public boolean modelScored() {
    return work != null && work.modelScored;
  }

  /** The returned offers, best first; empty when nothing is eligible or no flow was found. */
  public List<RankedOffer> offers() {
    return offers;
  }

  /** The flow's key, null for {@link Status#NO_FLOW}. */
  public String flowKey() {
    return work == null ? null : work.flow.key();
  }

  /** The flow's published version, 0 for {@link Status#NO_FLOW}. */
  public int flowVersion() {
    return work == null ? 0 : work.flow.version();
  }

  /**
   * The channel the decision was made for, as rules and models saw it ({@code request.channel}):
   * the request's, else the flow's unless the flow serves every channel; null for {@link
   * Status#NO_FLOW}. What a model's features were computed with, so what learning must use.
   */
  public String channel() {
    return work == null ? null : work.channel;
  }

  /** The placement the decision was made for, as {@link #channel()}: {@code request.placement}. */
  public String placement() {
    return work == null ? null : work.placement;
  }

  /** The version of the catalog snapshot used. */
  public long catalogVersion() {
    return catalogVersion;
  }

  /**
   * How the flow was found: {@code flow_key}, {@code channel_placement}, {@code wildcard}, {@code
   * none}.
   */
  public String routing() {
    return routing;
  }

  /** Offers that entered {@code stage}, 0 when it did not run. */
  public int stageIn(Stage stage) {
    return work == null ? 0 : work.stageIn[stage.ordinal()];
  }

  /** Offers that left {@code stage} still eligible, 0 when it did not run. */
  public int stageOut(Stage stage) {
    return work == null ? 0 : work.stageOut[stage.ordinal()];
  }

  /** Nanoseconds {@code stage} took. */
  public long stageNanos(Stage stage) {
    return work == null ? 0 : work.stageNanos[stage.ordinal()];
  }

  /** The full trace, formatted on first call and then cached. */
  public DecisionTrace trace() {
    DecisionTrace t = trace;
    if (t == null) {
      synchronized (this) {
        t = trace;
        if (t == null) {
          t = buildTrace();
          trace = t;
        }
      }
    }
    return t;
  }

  private DecisionTrace buildTrace() {
    if (work == null) {
      return new DecisionTrace(
          null, 0, catalogVersion, routing, 0, List.of(), List.of(), List.of());
    }
    DecisionWork w = work;
    List<StageTrace> stages = new ArrayList<>();
    for (Stage stage : Stage.values()) {
      if (!w.stageRan[stage.ordinal()]) {
        continue;
      }
      List<Removal> removed = new ArrayList<>();
      for (int r = 0; r < w.removedCount; r++) {
        if (w.removedStage[r] == stage.ordinal()) {
          Offer offer = w.candidates[w.removedIndex[r]];
          removed.add(
              new Removal(
                  offer.key(), stage, w.removedReason[r].code(), w.removedReason[r].text()));
        }
      }
      stages.add(
          new StageTrace(
              stage,
              w.stageIn[stage.ordinal()],
              w.stageOut[stage.ordinal()],
              w.stageNanos[stage.ordinal()] / 1_000,
              removed));
    }
    List<OfferScore> scores = new ArrayList<>(w.scoredCount);
    for (int k = 0; k < w.scoredCount; k++) {
      int i = w.scoredIndex[k];
      boolean eliminated = w.eliminated[i];
      scores.add(
          new OfferScore(
              w.candidates[i].key(),
              w.propensity[i],
              w.fallback[i],
              w.relevance(i),
              w.flow.valueFactor(i),
              w.flow.priorityFactor(i),
              eliminated ? 0 : w.flow.profile().score(w.rankKey[i]),
              eliminated,
              w.fallbackCause == null || w.fallbackCause[i] == null
                  ? null
                  : w.fallbackCause[i].reason(w.modelError)));
    }
    List<String> result = new ArrayList<>(offers.size());
    for (RankedOffer offer : offers) {
      result.add(offer.offerKey());
    }
    return new DecisionTrace(
        w.flow.key(),
        w.flow.version(),
        catalogVersion,
        routing,
        w.candidates.length,
        stages,
        scores,
        result);
  }

  @Override
  public String toString() {
    return "Decision[" + status + ", flow=" + flowKey() + ", offers=" + offers + "]";
  }
}
