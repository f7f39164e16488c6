package dev.arbiter.ops;

import dev.arbiter.outbox.KafkaProbe;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Kafka: {@code disabled} when {@code KAFKA_BOOTSTRAP_SERVERS} is unset (events stay in the outbox
 * table, readable at {@code GET /api/v1/events}); otherwise {@code up} when the cluster answers
 * within a second and {@code down} when not. Required by {@code /api/ready} when configured.
 */
public class KafkaHealthCheck implements HealthCheck {
  private final KafkaProbe probe;

  /**
   * @param probe null when Kafka is not configured
   */
  public KafkaHealthCheck(KafkaProbe probe) {
    this.probe = probe;
  }

  @Override
  public String name() {
    return "kafka";
  }

  @Override
  public CheckResult check() {
    Map<String, Object> details = new LinkedHashMap<>();
    if (probe == null) {
      details.put("mode", "log_only");
      details.put(
          "note",
          "KAFKA_BOOTSTRAP_SERVERS is not set: events stay in the outbox, readable at"
              + " GET /api/v1/events");
      return new CheckResult(CheckResult.DISABLED, 0, details, false);
    }
    KafkaProbe.Result r = probe.probe();
    details.put("target", probe.target());
    if (r.reachable()) {
      details.put("clusterId", r.clusterId());
      details.put("brokers", r.brokers());
      return new CheckResult(CheckResult.UP, r.ms(), details, true);
    }
    details.put("error", r.error());
    details.put("effect", "events wait in the outbox and are published when Kafka is back");
    return new CheckResult(CheckResult.DOWN, r.ms(), details, true);
  }
}
