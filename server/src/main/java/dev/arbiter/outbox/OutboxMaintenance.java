package dev.arbiter.outbox;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox's housekeeping: the reaper (abandoned {@code processing} rows back to {@code pending})
 * and retention (deleting old rows in bounded batches). Thread-safe.
 *
 * <p>Retention deletes {@code published} rows created more than {@code OUTBOX_RETENTION} ago. In
 * log-only mode (no Kafka), nothing ever publishes, so {@code pending} rows past the retention are
 * deleted too: there the table is a bounded event log. Never sooner: Respond validates a decision
 * by reading its {@code decision.made.v1} row. Not at all once a publisher has recorded itself in
 * {@code outbox_publishers} ({@link #publisherAlive}): one runs elsewhere (an {@code
 * outbox-publisher} tier beside nodes without {@code KAFKA_BOOTSTRAP_SERVERS}), and the pending
 * rows are its backlog, which a tier down or behind for longer than the retention would otherwise
 * lose unpublished; logged and counted ({@code arbiter_outbox_purge_skipped_total}).
 */
public class OutboxMaintenance {
  private static final Logger log = LoggerFactory.getLogger(OutboxMaintenance.class);
  private static final int PURGE_BATCH = 10_000;

  /** What one reaper run did, as {@code POST /api/v1/cron/outbox-reaper} answers. */
  public record ReapResult(long stalenessSeconds, int resetCount, long durationMs, Instant at) {}

  private final OutboxStore store;
  private final OutboxProperties props;
  private final OutboxMetrics metrics;
  private final Clock clock;

  public OutboxMaintenance(
      OutboxStore store, OutboxProperties props, OutboxMetrics metrics, Clock clock) {
    this.store = store;
    this.props = props;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * Resets rows claimed longer ago than {@code OUTBOX_REAPER_STALENESS_SECONDS}, in one statement.
   */
  public ReapResult reap() {
    long start = System.nanoTime();
    int reset = store.reapStale(props.reaperStaleness());
    metrics.reaped(reset);
    if (reset > 0) {
      log.warn("Outbox reaper reset {} events abandoned in processing", reset);
    }
    return new ReapResult(
        props.reaperStaleness().toSeconds(),
        reset,
        Duration.ofNanos(System.nanoTime() - start).toMillis(),
        clock.instant());
  }

  /** Records that publisher {@code name} runs, at most once a minute whatever the calls. */
  public void publisherAlive(String name) {
    long now = System.nanoTime();
    if (lastRecorded != 0 && now - lastRecorded < TimeUnit.MINUTES.toNanos(1)) {
      return;
    }
    try {
      store.recordPublisher(name);
      lastRecorded = now;
    } catch (RuntimeException e) {
      log.debug("Could not record the publisher in outbox_publishers: {}", e.getMessage());
    }
  }

  private volatile long lastRecorded;

  /**
   * Deletes rows past the retention, {@value #PURGE_BATCH} per statement; returns how many events
   * they held (a row holds one event, or a batch of them).
   */
  public long purge() {
    Instant cutoff = clock.instant().minus(props.retention());
    long total = purge("published", cutoff);
    if (!props.kafkaConfigured()) {
      java.util.Optional<Instant> publisher = store.publisherLastSeen();
      if (publisher.isPresent()) {
        metrics.pendingPurgeSkipped();
        log.warn(
            "Not deleting pending outbox events older than {}: this node has no"
                + " KAFKA_BOOTSTRAP_SERVERS (log-only mode), yet a publisher runs against this"
                + " database (last seen {}; table outbox_publishers), so they are its backlog. Set"
                + " KAFKA_BOOTSTRAP_SERVERS (and OUTBOX_PUBLISHER_INPROCESS=false beside an"
                + " outbox-publisher tier) on every node; if no publisher will ever run again,"
                + " delete the rows of outbox_publishers",
            props.retention(),
            publisher.get());
      } else {
        total += purge("pending", cutoff);
      }
    }
    return total;
  }

  private long purge(String status, Instant cutoff) {
    long total = 0;
    OutboxStore.Purged p;
    do {
      p =
          status.equals("published")
              ? store.purgePublished(cutoff, PURGE_BATCH)
              : store.purgePending(cutoff, PURGE_BATCH);
      total += p.events();
    } while (p.rows() == PURGE_BATCH);
    if (total > 0) {
      metrics.purged(status, total);
      log.info("Deleted {} {} outbox events older than {}", total, status, props.retention());
    }
    return total;
  }

  /** Reads the table's counts into the gauges. */
  public OutboxStats refreshStats() {
    OutboxStats s = store.stats();
    metrics.observe(s);
    recent = new Timed(s, System.nanoTime());
    return s;
  }

  private record Timed(OutboxStats stats, long atNanos) {}

  private volatile Timed recent;

  /**
   * The stats, counted again only if the last count is older than {@code maxAge}: counting reads up
   * to 10,000 pending rows (a few milliseconds; a larger backlog is estimated), and {@code
   * /api/health} is public.
   */
  public OutboxStats stats(java.time.Duration maxAge) {
    Timed t = recent;
    if (t != null && System.nanoTime() - t.atNanos() < maxAge.toNanos()) {
      return t.stats();
    }
    return refreshStats();
  }
}
