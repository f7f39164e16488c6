package dev.arbiter.ops;

import dev.arbiter.ratelimit.FailoverRateLimiter;
import dev.arbiter.ratelimit.RateLimiterStatus;
import dev.arbiter.ratelimit.RedisRateLimiter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Redis: {@code disabled} when {@code REDIS_URL} is unset (limits are per node); {@code up} with a
 * PING's latency; {@code down} while unreachable, naming the in-process fallback in use.
 */
public class RedisHealthCheck implements HealthCheck {
  private final FailoverRateLimiter limiter;
  private final RedisRateLimiter redis;

  public RedisHealthCheck(FailoverRateLimiter limiter) {
    this.limiter = limiter;
    this.redis = limiter.redis();
  }

  @Override
  public String name() {
    return "redis";
  }

  @Override
  public CheckResult check() {
    RateLimiterStatus s = limiter.status();
    Map<String, Object> details = new LinkedHashMap<>();
    if (!s.configured() || redis == null) {
      details.put("mode", "in_process");
      details.put("note", "REDIS_URL is not set: rate limits are counted per node");
      return new CheckResult(CheckResult.DISABLED, 0, details, false);
    }
    details.put("target", redis.target());
    details.put("rateLimiter", s.mode());
    details.put("since", s.since().toString());
    if (s.lastError() != null) {
      details.put("lastError", s.lastError());
    }
    if (!s.healthy()) {
      details.put("fallback", "in-process rate limiting until Redis answers again");
      return new CheckResult(CheckResult.DOWN, 0, details, true);
    }
    long start = System.nanoTime();
    try {
      redis.ping();
      return new CheckResult(
          CheckResult.UP, (System.nanoTime() - start) / 1_000_000, details, true);
    } catch (RuntimeException e) {
      details.put("error", e.getMessage());
      return new CheckResult(
          CheckResult.DOWN, (System.nanoTime() - start) / 1_000_000, details, true);
    }
  }
}
