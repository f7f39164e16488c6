package dev.arbiter.ops;

import dev.arbiter.config.ArbiterConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Probes. {@code /api/health} answers 200 while the database is up (status {@code degraded} if
 * anything else is down or on a fallback) and 503 when it is down; {@code /api/ready} answers 200
 * only when every configured dependency is connected; {@code /health/live} only says the process
 * answers.
 *
 * <p>With {@code ARBITER_READY_REQUIRES=database}, {@code /api/ready} needs only the database up.
 *
 * <p>The probes need no credential, so unless {@code ARBITER_HEALTH_DETAILS=full} they leave out
 * the details that would tell anyone who can reach them where the dependencies are and what failed
 * ({@link #PRIVATE_DETAILS}: addresses, error texts, which tenants' models have an open breaker);
 * statuses, latencies, counts and modes stay. The log has the errors, {@code arbiter doctor} the
 * rest.
 */
@RestController
class HealthController {
  /**
   * Details shown only with {@code ARBITER_HEALTH_DETAILS=full}: a dependency's address ({@code
   * target}), error texts (which may name hosts, users or paths) and the tenant and model of each
   * open breaker ({@code open}; {@code openCount} stays).
   */
  static final Set<String> PRIVATE_DETAILS =
      Set.of("target", "error", "lastError", "lastFlushError", "open");

  private final List<HealthCheck> checks;
  private final Clock clock;
  private final Instant started;
  private final String version;
  private final boolean full;
  private final boolean databaseOnly;

  HealthController(
      List<HealthCheck> checks, Clock clock, BuildVersion version, ArbiterConfig config) {
    this.checks = checks;
    this.clock = clock;
    this.started = clock.instant();
    this.version = version.version();
    this.full = config.healthDetails() == ArbiterConfig.HealthDetails.FULL;
    this.databaseOnly = config.readyRequires() == ArbiterConfig.ReadyRequires.DATABASE;
  }

  @GetMapping("/api/health")
  ResponseEntity<Map<String, Object>> health() {
    Map<String, CheckResult> results = runChecks();
    // a saturated pool (degraded) still has a database behind it
    boolean databaseUp = !CheckResult.DOWN.equals(results.get("database").status());
    boolean allGood =
        results.values().stream()
            .allMatch(
                r -> r.status().equals(CheckResult.UP) || r.status().equals(CheckResult.DISABLED));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", allGood ? "ok" : "degraded");
    body.put("uptime", Duration.between(started, clock.instant()).toSeconds());
    body.put("timestamp", clock.instant().toString());
    body.put("version", version);
    body.put("checks", results);
    return ResponseEntity.status(databaseUp ? 200 : 503).body(body);
  }

  @GetMapping("/api/ready")
  ResponseEntity<Map<String, Object>> ready() {
    Map<String, CheckResult> results = runChecks();
    boolean ready =
        databaseOnly
            ? results.get("database").ready()
            : results.values().stream().allMatch(CheckResult::ready);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", ready ? "ready" : "degraded");
    body.put("checks", results);
    return ResponseEntity.status(ready ? 200 : 503).body(body);
  }

  @GetMapping("/health/live")
  Map<String, String> live() {
    return Map.of("status", "alive");
  }

  private Map<String, CheckResult> runChecks() {
    Map<String, CheckResult> results = new LinkedHashMap<>();
    for (HealthCheck check : checks) {
      CheckResult r;
      try {
        r = check.check();
      } catch (RuntimeException e) {
        r =
            new CheckResult(
                CheckResult.DOWN, 0, Map.of("error", String.valueOf(e.getMessage())), true);
      }
      results.put(check.name(), full ? r : r.without(PRIVATE_DETAILS));
    }
    return results;
  }
}
