package dev.arbiter.decision;

import dev.arbiter.engine.trace.Stage;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.prometheus.metrics.model.registry.MetricType;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricFamilyDescriptor;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The latency histogram of each pipeline stage, {@code arbiter_decision_stage_latency_seconds
 * {stage}} with its {@code _max}: the series a Micrometer timer with a percentile histogram from
 * 500 ns to 100 ms exposes (the same bucket bounds), recorded without contention between cores.
 *
 * <p>Every decision records each of the eight stages that ran. Micrometer's timer counts each
 * record in one shared array and keeps its maximum with a compare-and-set, so the two cores
 * recording decisions at once kept taking the same cache lines from each other: 193–217 ns per
 * record with two threads against 81–85 with one (bench/RESULTS.md). Here each bucket and sum is a
 * {@link LongAdder} and each maximum a {@link LongAccumulator}, which give each contending thread a
 * cell of its own and add the cells up when scraped. The maximum is that of the current and the two
 * previous minutes, as Micrometer keeps it. The series are Micrometer's but for their HELP text
 * (Micrometer's was empty); being outside Micrometer, they get no common tags or meter filters
 * (Arbiter configures none). Thread-safe.
 */
final class StageLatencies implements MultiCollector {
  static final String NAME = "arbiter_decision_stage_latency_seconds";
  private static final String HELP = "Latency of each Recommend pipeline stage";
  private static final Stage[] STAGES = Stage.values();
  private static final long NANOS_PER_MINUTE = 60_000_000_000L;

  // Upper bounds in nanoseconds, ascending; the last bucket (+Inf) has none.
  private final long[] boundsNanos;
  private final double[] boundsSeconds;
  private final Labels[] labels = new Labels[STAGES.length];
  private final LongAdder[][] buckets = new LongAdder[STAGES.length][];
  private final LongAdder[] sumNanos = new LongAdder[STAGES.length];
  private final WindowMax[] max = new WindowMax[STAGES.length];
  private final LongSupplier nanoTime;

  /** Histograms on the system's monotonic clock. */
  StageLatencies() {
    this(System::nanoTime);
  }

  /**
   * @param nanoTime a monotonic clock in nanoseconds, which turns the maximum's minutes
   */
  StageLatencies(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    this.boundsNanos = bounds();
    this.boundsSeconds = new double[boundsNanos.length + 1];
    for (int b = 0; b < boundsNanos.length; b++) {
      boundsSeconds[b] = boundsNanos[b] / 1e9;
    }
    boundsSeconds[boundsNanos.length] = Double.POSITIVE_INFINITY;
    for (Stage stage : STAGES) {
      int s = stage.ordinal();
      labels[s] = Labels.of("stage", stage.wireName());
      buckets[s] = new LongAdder[boundsSeconds.length];
      for (int b = 0; b < buckets[s].length; b++) {
        buckets[s][b] = new LongAdder();
      }
      sumNanos[s] = new LongAdder();
      max[s] = new WindowMax();
    }
  }

  /** The bucket bounds Micrometer gives a percentile histogram from 500 ns to 100 ms. */
  private static long[] bounds() {
    DistributionStatisticConfig config =
        DistributionStatisticConfig.builder()
            .percentilesHistogram(true)
            .minimumExpectedValue(500.0)
            .maximumExpectedValue(100_000_000.0)
            .build()
            .merge(DistributionStatisticConfig.DEFAULT);
    return config.getHistogramBuckets(true).stream().mapToLong(Double::longValue).toArray();
  }

  /** The minute {@link #record} and a scrape age the maximum by. */
  long minute() {
    return Math.floorDiv(nanoTime.getAsLong(), NANOS_PER_MINUTE);
  }

  /**
   * Records one stage's latency.
   *
   * @param minute {@link #minute()}, read once for all the stages of a decision
   */
  void record(Stage stage, long nanos, long minute) {
    int s = stage.ordinal();
    long value = Math.max(0, nanos);
    int b = Arrays.binarySearch(boundsNanos, value);
    buckets[s][b >= 0 ? b : -b - 1].increment(); // the first bound not below the value
    sumNanos[s].add(value);
    max[s].record(value, minute);
  }

  /**
   * What this collector exposes, so the registry refuses a second collector of these names when it
   * is registered, rather than every scrape failing after.
   */
  @Override
  public List<MetricFamilyDescriptor> getMetricFamilyDescriptors() {
    Set<String> stage = Set.of("stage");
    return List.of(
        MetricFamilyDescriptor.of(MetricType.HISTOGRAM, new MetricMetadata(NAME, HELP), stage),
        MetricFamilyDescriptor.of(
            MetricType.GAUGE, new MetricMetadata(NAME + "_max", HELP), stage));
  }

  @Override
  public MetricSnapshots collect() {
    long minute = minute();
    HistogramSnapshot.Builder histogram = HistogramSnapshot.builder().name(NAME).help(HELP);
    GaugeSnapshot.Builder maximum = GaugeSnapshot.builder().name(NAME + "_max").help(HELP);
    for (Stage stage : STAGES) {
      int s = stage.ordinal();
      long[] counts = new long[boundsSeconds.length];
      for (int b = 0; b < counts.length; b++) {
        counts[b] = buckets[s][b].sum();
      }
      histogram.dataPoint(
          HistogramSnapshot.HistogramDataPointSnapshot.builder()
              .labels(labels[s])
              .classicHistogramBuckets(ClassicHistogramBuckets.of(boundsSeconds, counts))
              .sum(sumNanos[s].sum() / 1e9)
              .build());
      maximum.dataPoint(
          GaugeSnapshot.GaugeDataPointSnapshot.builder()
              .labels(labels[s])
              .value(max[s].get(minute) / 1e9)
              .build());
    }
    return MetricSnapshots.of(histogram.build(), maximum.build());
  }

  /**
   * The largest value of the current and the two previous minutes, as Micrometer's timer keeps it
   * (three rotating one-minute windows): a spike shows for two to three minutes.
   */
  private static final class WindowMax {
    private final LongAccumulator[] slots = {
      new LongAccumulator(Math::max, 0),
      new LongAccumulator(Math::max, 0),
      new LongAccumulator(Math::max, 0)
    };
    private volatile long minute = Long.MIN_VALUE;

    void record(long value, long now) {
      turn(now);
      slots[slot(now)].accumulate(value);
    }

    long get(long now) {
      turn(now);
      long max = 0;
      for (LongAccumulator slot : slots) {
        max = Math.max(max, slot.get());
      }
      return max;
    }

    private int slot(long minute) {
      return (int) Math.floorMod(minute, slots.length);
    }

    /**
     * Empties the slots of the minutes that began since the last turn (all of them after three
     * minutes without one). A record racing a turn can land in a slot just before it is emptied:
     * the maximum then misses one value, which a gauge of a maximum may.
     */
    private void turn(long now) {
      if (now == minute) {
        return;
      }
      synchronized (this) {
        long last = minute;
        if (now <= last) {
          return;
        }
        if (last == Long.MIN_VALUE || now - last >= slots.length) {
          for (LongAccumulator slot : slots) {
            slot.reset();
          }
        } else {
          for (long m = last + 1; m <= now; m++) {
            slots[slot(m)].reset();
          }
        }
        minute = now;
      }
    }
  }
}
