package dev.arbiter.outbox;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The outbox's meters (Prometheus names in parentheses). Gauges read the last {@link OutboxStats}
 * passed to {@link #observe}; they describe the whole table, so every node reports the same backlog
 * whichever process publishes. Thread-safe; one instance per registry.
 *
 * <ul>
 *   <li>{@code arbiter_outbox_pending}, {@code arbiter_outbox_processing}, {@code
 *       arbiter_outbox_dead_letters}: rows per status ({@code failed} rows are dead letters)
 *   <li>{@code arbiter_outbox_oldest_pending_age_seconds}: how long the oldest event not yet
 *       published ({@code pending} or {@code processing}) has waited
 *   <li>{@code arbiter_outbox_published_total}, {@code arbiter_outbox_retried_total} (an attempt
 *       failed and will be retried), {@code arbiter_outbox_failed_total} (dead-lettered), {@code
 *       arbiter_outbox_reaped_total}, {@code arbiter_outbox_purged_total{status}}, {@code
 *       arbiter_outbox_purge_skipped_total} (a log-only node kept pending rows: a publisher runs
 *       elsewhere)
 *   <li>{@code arbiter_outbox_kafka_configured}: 1 where Kafka is configured, the tier included
 *   <li>{@code arbiter_outbox_publish_latency_seconds}: insert to broker acknowledgement
 *   <li>{@code arbiter_outbox_publisher_last_tick_timestamp_seconds}: only where a publisher runs
 * </ul>
 */
public class OutboxMetrics {
  private final MeterRegistry meters;
  private final AtomicReference<OutboxStats> last = new AtomicReference<>();
  private final Counter published;
  private final Counter retried;
  private final Counter failed;
  private final Counter reaped;
  private final Timer latency;
  private volatile double lastTick = Double.NaN;
  private volatile boolean tickGauge;

  /**
   * @param kafkaConfigured whether this process relays to Kafka or expects a publisher tier to
   *     ({@code KAFKA_BOOTSTRAP_SERVERS} set), exported as {@code arbiter_outbox_kafka_configured}
   */
  public OutboxMetrics(MeterRegistry meters, boolean kafkaConfigured) {
    this.meters = meters;
    // the alert rules in deploy/prometheus fire only where it is 1: in log-only mode events stay
    // pending by design
    Gauge.builder("arbiter.outbox.kafka.configured", () -> kafkaConfigured ? 1 : 0)
        .description(
            "1 when KAFKA_BOOTSTRAP_SERVERS is set (events are relayed), 0 in log-only mode")
        .register(meters);
    Gauge.builder("arbiter.outbox.pending", last, r -> value(r.get(), OutboxStats::pending))
        .description(
            "Outbox events waiting to be published (counted up to 10,000, estimated above)")
        .register(meters);
    Gauge.builder("arbiter.outbox.processing", last, r -> value(r.get(), OutboxStats::processing))
        .description("Outbox events claimed by a publisher and not yet settled")
        .register(meters);
    Gauge.builder("arbiter.outbox.dead.letters", last, r -> value(r.get(), OutboxStats::failed))
        .description("Outbox events that exhausted their attempts (status failed)")
        .register(meters);
    Gauge.builder(
            "arbiter.outbox.oldest.pending.age",
            last,
            r -> r.get() == null ? 0 : r.get().oldestPendingAgeSeconds())
        .baseUnit("seconds")
        .description("How long the oldest outbox event not yet published has waited")
        .register(meters);
    this.published =
        Counter.builder("arbiter.outbox.published")
            .description("Events the broker acknowledged")
            .register(meters);
    this.retried =
        Counter.builder("arbiter.outbox.retried")
            .description("Publish attempts that failed and will be retried")
            .register(meters);
    this.failed =
        Counter.builder("arbiter.outbox.failed")
            .description("Events dead-lettered after their last attempt")
            .register(meters);
    this.reaped =
        Counter.builder("arbiter.outbox.reaped")
            .description("Abandoned processing events reset to pending")
            .register(meters);
    this.latency =
        Timer.builder("arbiter.outbox.publish.latency")
            .description("From the event's insert to the broker's acknowledgement")
            .publishPercentiles(0.5, 0.95, 0.99)
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofMinutes(10))
            .register(meters);
  }

  private static double value(OutboxStats s, java.util.function.ToLongFunction<OutboxStats> f) {
    return s == null ? 0 : f.applyAsLong(s);
  }

  /** Sets the gauges from a fresh reading of the table. */
  public void observe(OutboxStats stats) {
    last.set(stats);
  }

  /** The last reading, or null before the first. */
  public OutboxStats last() {
    return last.get();
  }

  void published(int n) {
    published.increment(n);
  }

  void retried(int n) {
    retried.increment(n);
  }

  void failed(int n) {
    failed.increment(n);
  }

  /** Counts rows the reaper reset. */
  public void reaped(int n) {
    reaped.increment(n);
  }

  /** Counts a retention run of a log-only node that kept pending rows for a publisher elsewhere. */
  void pendingPurgeSkipped() {
    meters.counter("arbiter.outbox.purge.skipped").increment();
  }

  /** Counts events deleted by retention (in rows of one event or of a batch). */
  public void purged(String status, long n) {
    meters.counter("arbiter.outbox.purged", "status", status).increment(n);
  }

  void latency(Duration d) {
    latency.record(d.isNegative() ? Duration.ZERO : d);
  }

  void ticked(long epochMillis) {
    lastTick = epochMillis / 1000.0;
    if (!tickGauge) {
      synchronized (this) {
        if (!tickGauge) {
          Gauge.builder("arbiter.outbox.publisher.last.tick.timestamp", this, m -> m.lastTick)
              .baseUnit("seconds")
              .description("When this process's outbox publisher last ran its loop")
              .register(meters);
          tickGauge = true;
        }
      }
    }
  }
}
