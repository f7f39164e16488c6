package dev.arbiter.decision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.arbiter.engine.trace.Stage;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The stage latency histograms as scraped: Micrometer's series, exact counts, a windowed max, one
 * collector of the names per registry.
 */
class StageLatenciesTests {
  private static final long MINUTE = 60_000_000_000L;

  private static String scrape(StageLatencies latencies) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.getPrometheusRegistry().register(latencies);
    return registry.scrape();
  }

  /** The lines of one stage's series, except the sum (a double added up in another order). */
  private static List<String> lines(String scrape, String stage) {
    return scrape
        .lines()
        .filter(l -> l.startsWith(StageLatencies.NAME))
        .filter(l -> l.contains("stage=\"" + stage + "\""))
        .filter(l -> !l.startsWith(StageLatencies.NAME + "_sum"))
        .toList();
  }

  private static double value(String scrape, String series) {
    return scrape
        .lines()
        .filter(l -> l.startsWith(series + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + series + " in " + scrape));
  }

  @Test
  void shouldExposeTheSeriesAMicrometerTimerWithTheSameHistogramExposed() {
    // what DecisionMetrics registered per stage before StageLatencies
    PrometheusMeterRegistry micrometer = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    StageLatencies latencies = new StageLatencies();
    long minute = latencies.minute();
    long[] samples = {0, 300, 500, 501, 2_000, 15_000, 15_000, 999_999, 40_000_000, 250_000_000};
    for (Stage stage : Stage.values()) {
      Timer timer =
          Timer.builder("arbiter.decision.stage.latency")
              .tag("stage", stage.wireName())
              .publishPercentileHistogram()
              .minimumExpectedValue(Duration.ofNanos(500))
              .maximumExpectedValue(Duration.ofMillis(100))
              .register(micrometer);
      for (int i = 0; i <= stage.ordinal(); i++) { // a different count per stage
        long nanos = samples[(i * 3 + stage.ordinal()) % samples.length];
        timer.record(nanos, TimeUnit.NANOSECONDS);
        latencies.record(stage, nanos, minute);
      }
    }

    String ours = scrape(latencies);
    String theirs = micrometer.scrape();
    for (Stage stage : Stage.values()) {
      assertThat(lines(ours, stage.wireName()))
          .as(stage.wireName())
          .hasSize(lines(theirs, stage.wireName()).size())
          .containsExactlyInAnyOrderElementsOf(lines(theirs, stage.wireName()));
      String sum = StageLatencies.NAME + "_sum{stage=\"" + stage.wireName() + "\"}";
      assertThat(value(ours, sum)).as(sum).isCloseTo(value(theirs, sum), within(1e-12));
    }
    // the same metric types (the HELP text is new: Micrometer's was empty)
    assertThat(ours.lines().filter(l -> l.startsWith("# TYPE")).toList())
        .containsExactlyInAnyOrderElementsOf(
            theirs.lines().filter(l -> l.startsWith("# TYPE")).toList());
  }

  @Test
  void shouldRefuseASecondCollectorOfTheSameNamesWhenRegisteredNotAtScrape() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    DecisionMetrics first =
        new DecisionMetrics(new SimpleMeterRegistry(), registry.getPrometheusRegistry());

    assertThatThrownBy(
            () -> new DecisionMetrics(new SimpleMeterRegistry(), registry.getPrometheusRegistry()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(registry.scrape()).contains(StageLatencies.NAME + "_bucket");

    first.close(); // as when its application context closes: a new one may register
    new DecisionMetrics(new SimpleMeterRegistry(), registry.getPrometheusRegistry());
    assertThat(registry.scrape()).contains(StageLatencies.NAME + "_bucket");
  }

  @Test
  void shouldCountEveryRecordOfConcurrentThreads() throws Exception {
    StageLatencies latencies = new StageLatencies();
    long minute = latencies.minute();
    List<Future<?>> threads = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
      for (int t = 0; t < 4; t++) {
        threads.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 10_000; i++) {
                    latencies.record(Stage.SCORING, 1_000 + i % 7_000, minute);
                  }
                }));
      }
      for (Future<?> thread : threads) {
        thread.get();
      }
    }

    String scrape = scrape(latencies);
    assertThat(value(scrape, StageLatencies.NAME + "_count{stage=\"scoring\"}")).isEqualTo(40_000);
    assertThat(value(scrape, StageLatencies.NAME + "_bucket{stage=\"scoring\",le=\"+Inf\"}"))
        .isEqualTo(40_000);
    assertThat(value(scrape, StageLatencies.NAME + "_max{stage=\"scoring\"}")).isEqualTo(7.999e-6);
  }

  @Test
  void shouldKeepTheMaximumOfTheCurrentAndTheTwoPreviousMinutes() {
    AtomicLong now = new AtomicLong(7 * MINUTE + 5);
    StageLatencies latencies = new StageLatencies(now::get);
    String max = StageLatencies.NAME + "_max{stage=\"budget\"}";

    latencies.record(Stage.BUDGET, 5_000_000, latencies.minute());
    assertThat(value(scrape(latencies), max)).isEqualTo(0.005);

    now.addAndGet(MINUTE); // the next minute still shows it
    latencies.record(Stage.BUDGET, 1_000_000, latencies.minute());
    assertThat(value(scrape(latencies), max)).isEqualTo(0.005);

    now.addAndGet(MINUTE); // and the one after that
    assertThat(value(scrape(latencies), max)).isEqualTo(0.005);

    now.addAndGet(MINUTE); // the fourth minute no longer does
    assertThat(value(scrape(latencies), max)).isEqualTo(0.001);

    now.addAndGet(5 * MINUTE); // nothing recorded for three minutes
    assertThat(value(scrape(latencies), max)).isZero();
    // the histogram itself is cumulative, as Prometheus expects
    assertThat(value(scrape(latencies), StageLatencies.NAME + "_count{stage=\"budget\"}"))
        .isEqualTo(2);
  }
}
