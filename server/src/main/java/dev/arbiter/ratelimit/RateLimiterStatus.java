package dev.arbiter.ratelimit;

import java.time.Instant;

/**
 * What the rate limiter runs on, for {@code /api/health}.
 *
 * @param mode {@value #MODE_REDIS} or {@value #MODE_IN_PROCESS}: where the answers come from now
 * @param healthy false only when Redis is configured but unreachable (report {@code degraded});
 *     true for the in-process mode chosen by configuration (report {@code disabled})
 * @param configured whether {@code REDIS_URL} was set
 * @param lastError the most recent Redis failure, or null if there has been none; kept after
 *     recovery for diagnosis; never contains credentials
 * @param since when the current mode and health began
 */
public record RateLimiterStatus(
    String mode, boolean healthy, boolean configured, String lastError, Instant since) {
  public static final String MODE_REDIS = "redis";
  public static final String MODE_IN_PROCESS = "in_process";
}
