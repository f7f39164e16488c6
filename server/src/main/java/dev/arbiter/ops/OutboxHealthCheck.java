package dev.arbiter.ops;

import dev.arbiter.outbox.OutboxMaintenance;
import dev.arbiter.outbox.OutboxProperties;
import dev.arbiter.outbox.OutboxPublisher;
import dev.arbiter.outbox.OutboxStats;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outbox backlog: {@code degraded} when Kafka is configured and the oldest pending event has
 * waited longer than {@code OUTBOX_MAX_PENDING_AGE} (no publisher runs, or it cannot keep up);
 * {@code disabled} in log-only mode, where pending is the normal state. Never required by {@code
 * /api/ready}: a backlog does not stop this node from answering.
 */
public class OutboxHealthCheck implements HealthCheck {
  private final OutboxProperties props;
  private final OutboxMaintenance maintenance;
  private final OutboxPublisher publisher;

  /**
   * @param publisher this process's publisher; null when none runs here
   */
  public OutboxHealthCheck(
      OutboxProperties props, OutboxMaintenance maintenance, OutboxPublisher publisher) {
    this.props = props;
    this.maintenance = maintenance;
    this.publisher = publisher;
  }

  @Override
  public String name() {
    return "outbox";
  }

  @Override
  public CheckResult check() {
    long start = System.nanoTime();
    Map<String, Object> details = new LinkedHashMap<>();
    OutboxStats s;
    try {
      s = maintenance.stats(java.time.Duration.ofSeconds(2));
    } catch (RuntimeException e) {
      details.put("error", e.getMessage());
      return new CheckResult(CheckResult.DOWN, ms(start), details, false);
    }
    details.put("pending", s.pending());
    if (s.pendingEstimated()) {
      details.put("pendingEstimated", true); // above the exact count's limit
    }
    details.put("processing", s.processing());
    details.put("failed", s.failed());
    details.put("oldestPendingAgeSeconds", Math.round(s.oldestPendingAgeSeconds()));
    if (!props.kafkaConfigured()) {
      details.put("mode", "log_only");
      details.put(
          "note",
          "no publisher runs; pending events older than OUTBOX_RETENTION ("
              + props.retention()
              + ") are deleted");
      return new CheckResult(CheckResult.DISABLED, ms(start), details, false);
    }
    details.put(
        "publisher", publisher != null ? "in_process" : "external (arbiter outbox-publisher)");
    if (publisher != null) {
      details.put("listening", publisher.listening());
      if (publisher.lastError() != null) {
        details.put("lastError", publisher.lastError());
        details.put("lastErrorTransient", publisher.lastErrorTransient());
      }
    }
    details.put("maxPendingAgeSeconds", props.maxPendingAge().toSeconds());
    boolean late = s.oldestPendingAgeSeconds() > props.maxPendingAge().toMillis() / 1000.0;
    return new CheckResult(late ? CheckResult.DEGRADED : CheckResult.UP, ms(start), details, false);
  }

  private static long ms(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }
}
