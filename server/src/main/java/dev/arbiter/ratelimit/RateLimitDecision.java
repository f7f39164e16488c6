package dev.arbiter.ratelimit;

import java.time.Duration;

/**
 * The answer for one request.
 *
 * @param allowed whether the request may proceed (it consumed a permit if so)
 * @param limit the permits per window, for {@code X-RateLimit-Limit}
 * @param remaining permits left right now after this request, for {@code X-RateLimit-Remaining}; 0
 *     when limited
 * @param retryAfter when limited, the exact time until a request would be allowed (a permit is
 *     back); zero when allowed
 */
public record RateLimitDecision(boolean allowed, long limit, long remaining, Duration retryAfter) {

  /**
   * {@link #retryAfter()} in whole seconds, rounded up, for the {@code Retry-After} header: at
   * least 1 when limited (a client retrying after that many seconds is allowed), 0 when allowed.
   */
  public long retryAfterSeconds() {
    return allowed ? 0 : headerSeconds(retryAfter);
  }

  /** A wait as {@code Retry-After} says it: whole seconds, rounded up, at least 1. */
  public static long headerSeconds(Duration wait) {
    return Math.max(1, Math.ceilDiv(wait.toNanos(), 1_000_000_000L));
  }
}
