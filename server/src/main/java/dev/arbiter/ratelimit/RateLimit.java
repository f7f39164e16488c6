package dev.arbiter.ratelimit;

import java.time.Duration;

/**
 * At most {@code permits} requests per {@code window}, as a bucket that holds {@code permits} and
 * refills continuously at {@code permits / window}.
 *
 * <p>So a client may spend the whole limit at once and then gets one more request every {@code
 * window / permits}; an idle client's bucket is full again after one {@code window}. The refill
 * interval is rounded up to a whole microsecond, which can only make the limit stricter: a full
 * refill then takes up to {@code permits} microseconds longer than the window.
 *
 * @param permits requests allowed per window, 1 to {@value #MAX_PERMITS}
 * @param window the refill period, 1 ms to {@value #MAX_WINDOW_DAYS} days
 */
public record RateLimit(long permits, Duration window) {
  public static final long MAX_PERMITS = 1_000_000_000L;
  public static final long MAX_WINDOW_DAYS = 366;

  public RateLimit {
    if (permits < 1 || permits > MAX_PERMITS) {
      throw new IllegalArgumentException(
          "Expected permits between 1 and " + MAX_PERMITS + ", but got " + permits);
    }
    if (window == null
        || window.compareTo(Duration.ofMillis(1)) < 0
        || window.compareTo(Duration.ofDays(MAX_WINDOW_DAYS)) > 0) {
      throw new IllegalArgumentException(
          "Expected a window between 1 ms and " + MAX_WINDOW_DAYS + " days, but got " + window);
    }
  }

  /** A limit of {@code permits} per {@code window}. */
  public static RateLimit of(long permits, Duration window) {
    return new RateLimit(permits, window);
  }

  /** Time for one permit to come back, in microseconds, rounded up; at least 1. */
  long intervalMicros() {
    long windowMicros = window.toNanos() / 1_000;
    return Math.max(1, Math.ceilDiv(windowMicros, permits));
  }

  /** Time to refill an empty bucket: {@code permits} intervals, in microseconds. */
  long capacityMicros() {
    return intervalMicros() * permits;
  }
}
