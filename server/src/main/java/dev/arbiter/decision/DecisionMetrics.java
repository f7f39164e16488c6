package dev.arbiter.decision;

import dev.arbiter.engine.pipeline.Decision;
import dev.arbiter.engine.trace.Stage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Decision metrics: end-to-end latency, latency per pipeline stage, offers evaluated and removed
 * per stage, and fallback scores. Tags are low-cardinality (stage, outcome), never tenant or
 * customer.
 */
public class DecisionMetrics {
  private final Timer latency;
  private final Map<Stage, Timer> stageLatency = new EnumMap<>(Stage.class);
  private final Map<Stage, Counter> removed = new EnumMap<>(Stage.class);
  private final DistributionSummary evaluated;
  private final Counter noFlow;
  private final Counter fallbackScores;

  public DecisionMetrics(MeterRegistry meters) {
    latency =
        Timer.builder("arbiter.decision.latency")
            .description("Recommend decisions, engine and surrounding work")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(10_000))
            .maximumExpectedValue(Duration.ofSeconds(1))
            .register(meters);
    for (Stage stage : Stage.values()) {
      stageLatency.put(
          stage,
          Timer.builder("arbiter.decision.stage.latency")
              .tag("stage", stage.wireName())
              .publishPercentileHistogram()
              .minimumExpectedValue(Duration.ofNanos(500))
              .maximumExpectedValue(Duration.ofMillis(100))
              .register(meters));
      removed.put(
          stage,
          Counter.builder("arbiter.decision.offers.removed")
              .description("Offers a stage removed from consideration")
              .tag("stage", stage.wireName())
              .register(meters));
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
  }

  void record(Decision d, long nanos) {
    latency.record(nanos, TimeUnit.NANOSECONDS);
    if (d.status() == Decision.Status.NO_FLOW) {
      noFlow.increment();
      return;
    }
    evaluated.record(d.stageIn(Stage.STATUS));
    for (Stage stage : Stage.values()) {
      int in = d.stageIn(stage);
      int out = d.stageOut(stage);
      if (in == 0) {
        continue; // the stage did not run
      }
      if (in > out) {
        removed.get(stage).increment(in - out);
      }
      stageLatency.get(stage).record(d.stageMicros(stage), TimeUnit.MICROSECONDS);
    }
    long fallbacks = d.offers().stream().filter(o -> o.fallback()).count();
    if (fallbacks > 0) {
      fallbackScores.increment(fallbacks);
    }
  }
}
