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
    if (allowed) {
      return 0;
    }
    long nanos = retryAfter.toNanos();
    return Math.max(1, Math.ceilDiv(nanos, 1_000_000_000L));
  }
}
