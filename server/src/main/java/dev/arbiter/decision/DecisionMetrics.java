package dev.arbiter.decision;

import dev.arbiter.engine.pipeline.Decision;
import dev.arbiter.engine.pipeline.RankedOffer;
import dev.arbiter.engine.trace.Stage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Decision metrics: end-to-end latency, latency per pipeline stage, offers evaluated and removed
 * per stage, and fallback scores. Tags are low-cardinality (stage, outcome), never tenant or
 * customer.
 */
public class DecisionMetrics implements AutoCloseable {
  private static final Stage[] STAGES = Stage.values();
  private static final String CONTACT_CONFLICTS =
      "Decisions made again because another decision for the same customer was recorded between"
          + " reading their contacts and recording this one's (retried), or recorded anyway after"
          + " too many such conflicts (exhausted)";

  private final Timer latency;
  private final StageLatencies stageLatency = new StageLatencies();
  private final PrometheusRegistry prometheus;
  // By stage ordinal.
  private final Counter[] removed = new Counter[STAGES.length];
  private final DistributionSummary evaluated;
  private final Counter noFlow;
  private final Counter fallbackScores;
  private final Counter contactRetries;
  private final Counter contactConflictsLeft;
  private final Counter dryRuns;

  /**
   * @param meters where the decision metrics are registered
   * @param prometheus where the stage latencies are ({@link StageLatencies}): the registry {@code
   *     meters} is scraped from, for the same {@code /metrics}
   */
  public DecisionMetrics(MeterRegistry meters, PrometheusRegistry prometheus) {
    this.prometheus = prometheus;
    prometheus.register(stageLatency);
    latency =
        Timer.builder("arbiter.decision.latency")
            .description("Recommend decisions, engine and surrounding work")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(10_000))
            .maximumExpectedValue(Duration.ofSeconds(1))
            .register(meters);
    for (Stage stage : STAGES) {
      removed[stage.ordinal()] =
          Counter.builder("arbiter.decision.offers.removed")
              .description("Offers a stage removed from consideration")
              .tag("stage", stage.wireName())
              .register(meters);
    }
    evaluated =
        DistributionSummary.builder("arbiter.decision.offers.evaluated")
            .description("Candidate offers per decision")
            .register(meters);
    noFlow =
        Counter.builder("arbiter.decision.no_flow")
            .description("Requests no published flow could serve")
            .register(meters);
    fallbackScores =
        Counter.builder("arbiter.decision.fallback.scores")
            .description("Offers scored with the model's fallback score")
            .register(meters);
    contactRetries = contactConflicts(meters, "retried");
    contactConflictsLeft = contactConflicts(meters, "exhausted");
    dryRuns =
        Counter.builder("arbiter.decision.dry_runs")
            .description(
                "Dry runs of Recommend (POST /api/v1/recommend/dry-run): decided, not counted in"
                    + " the other decision metrics")
            .register(meters);
  }

  /** A dry run: counted apart, so that debugging does not show in the decisions' figures. */
  void dryRun() {
    dryRuns.increment();
  }

  private static Counter contactConflicts(MeterRegistry meters, String result) {
    return Counter.builder("arbiter.decision.contact.conflicts")
        .description(CONTACT_CONFLICTS)
        .tag("result", result)
        .register(meters);
  }

  /** A decision made again after a conflict on the customer's contact history. */
  void contactRetried() {
    contactRetries.increment();
  }

  /** A decision recorded without the check after {@code RecommendService}'s last attempt. */
  void contactConflictsExhausted() {
    contactConflictsLeft.increment();
  }

  void record(Decision d, long nanos) {
    latency.record(nanos, TimeUnit.NANOSECONDS);
    if (d.status() == Decision.Status.NO_FLOW) {
      noFlow.increment();
      return;
    }
    evaluated.record(d.stageIn(Stage.STATUS));
    long minute = stageLatency.minute();
    for (Stage stage : STAGES) {
      int in = d.stageIn(stage);
      int out = d.stageOut(stage);
      if (in == 0) {
        continue; // the stage did not run
      }
      if (in > out) {
        removed[stage.ordinal()].increment(in - out);
      }
      stageLatency.record(stage, d.stageNanos(stage), minute);
    }
    int fallbacks = 0;
    for (RankedOffer o : d.offers()) {
      if (o.fallback()) {
        fallbacks++;
      }
    }
    if (fallbacks > 0) {
      fallbackScores.increment(fallbacks);
    }
  }

  /** Takes the stage latencies off the registry, so a new instance may register them again. */
  @Override
  public void close() {
    prometheus.unregister(stageLatency);
  }
}
