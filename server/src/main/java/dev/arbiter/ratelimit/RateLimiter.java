package dev.arbiter.ratelimit;

/**
 * Decides whether one more request under a key fits its limit, and records it if so.
 *
 * <p>Keys are composed by the caller from low-cardinality, non-personal parts (tenant and
 * credential id), never from customer ids. Implementations are thread-safe.
 */
public interface RateLimiter {

  /**
   * Takes one permit for {@code key} if {@code limit} allows it.
   *
   * @param key the bucket, e.g. {@code "acme:ak_01H…"}; not null
   * @param limit the limit of that bucket; the same key should always be asked with the same limit
   * @return the decision, with the numbers for the rate-limit headers
   * @throws RuntimeException only from a backend that cannot answer ({@link RedisRateLimiter});
   *     {@link FailoverRateLimiter} and {@link LocalRateLimiter} always answer
   */
  RateLimitDecision tryAcquire(String key, RateLimit limit);
}
