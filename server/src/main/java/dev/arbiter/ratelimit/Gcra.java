package dev.arbiter.ratelimit;

/**
 * The generic cell rate algorithm: a token bucket kept as one number, the theoretical arrival time
 * (TAT) of the next request if the client used its permits evenly. Pure arithmetic on microseconds
 * so the in-memory limiter and the Redis script in {@link RedisRateLimiter} compute the same thing.
 *
 * <p>A request at {@code now} is allowed when {@code max(tat, now) + interval - capacity <= now};
 * it then moves the TAT to {@code max(tat, now) + interval}. A TAT at or before {@code now} means a
 * full bucket, so an idle key can be forgotten.
 */
final class Gcra {
  /** A key never seen, or forgotten: its bucket is full. */
  static final long NO_TAT = Long.MIN_VALUE;

  private Gcra() {}

  record Outcome(boolean allowed, long tat, long remaining, long retryAfterMicros) {}

  static Outcome evaluate(long tat, long now, long interval, long capacity) {
    long base = Math.max(tat, now);
    long newTat = base + interval;
    long allowAt = newTat - capacity;
    if (now < allowAt) {
      return new Outcome(false, tat, 0, allowAt - now);
    }
    return new Outcome(true, newTat, (capacity - (newTat - now)) / interval, 0);
  }
}
