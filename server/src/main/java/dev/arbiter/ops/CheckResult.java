package dev.arbiter.ops;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * The outcome of one {@link HealthCheck}.
 *
 * @param status {@code up}; {@code down} (configured but unreachable); {@code degraded} (working on
 *     a fallback); {@code disabled} (not configured, replaced by the in-process mode named in
 *     details)
 * @param latencyMs how long the check took
 * @param details check-specific facts (pool sizes, mode, last error)
 * @param required whether {@code /api/ready} needs this check to be up
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record CheckResult(
    String status, long latencyMs, Map<String, Object> details, @JsonIgnore boolean required) {
  public static final String UP = "up";
  public static final String DOWN = "down";
  public static final String DEGRADED = "degraded";
  public static final String DISABLED = "disabled";

  /** This result without the details named {@code keys}. */
  public CheckResult without(java.util.Set<String> keys) {
    if (details == null || keys.stream().noneMatch(details::containsKey)) {
      return this;
    }
    Map<String, Object> kept = new java.util.LinkedHashMap<>(details);
    kept.keySet().removeAll(keys);
    return new CheckResult(status, latencyMs, kept, required);
  }

  @JsonIgnore
  public boolean ready() {
    return !required || UP.equals(status);
  }
}
