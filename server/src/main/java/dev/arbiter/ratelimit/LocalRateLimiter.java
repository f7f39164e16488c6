package dev.arbiter.ratelimit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The rate limiter in this process's memory: exact for this process, blind to other nodes.
 *
 * <p>Memory is bounded: a key whose bucket is full again is forgotten (that changes no answer) at
 * most every {@link #SWEEP_EVERY} of clock time, and at once when more than {@code maxKeys} keys
 * are held. If more than {@code maxKeys} keys are all busy at once, arbitrary ones are dropped down
 * to 90% of the bound, which makes those keys start again from a full bucket: lenient, never
 * stricter. Thread-safe; each key is updated atomically.
 */
public final class LocalRateLimiter implements RateLimiter {
  /** Default bound on keys held: far above tenants × credentials of one deployment. */
  public static final int DEFAULT_MAX_KEYS = 100_000;

  static final Duration SWEEP_EVERY = Duration.ofSeconds(10);

  private final Clock clock;
  private final int maxKeys;
  private final ConcurrentHashMap<String, Long> tats = new ConcurrentHashMap<>();
  private final AtomicLong nextSweepMicros;

  /** A limiter holding at most {@value #DEFAULT_MAX_KEYS} keys. */
  public LocalRateLimiter(Clock clock) {
    this(clock, DEFAULT_MAX_KEYS);
  }

  /**
   * A limiter reading time from {@code clock} and holding at most {@code maxKeys} keys.
   *
   * @param clock time source; a clock that steps back only makes answers stricter until it catches
   *     up
   * @param maxKeys bound on buckets held in memory, at least 1
   */
  public LocalRateLimiter(Clock clock, int maxKeys) {
    if (maxKeys < 1) {
      throw new IllegalArgumentException("Expected maxKeys of at least 1, but got " + maxKeys);
    }
    this.clock = Objects.requireNonNull(clock, "clock");
    this.maxKeys = maxKeys;
    this.nextSweepMicros = new AtomicLong(micros(clock.instant()) + SWEEP_EVERY.toNanos() / 1_000);
  }

  @Override
  public RateLimitDecision tryAcquire(String key, RateLimit limit) {
    Objects.requireNonNull(key, "key");
    long now = micros(clock.instant());
    long interval = limit.intervalMicros();
    long capacity = limit.capacityMicros();
    Gcra.Outcome[] outcome = new Gcra.Outcome[1];
    tats.compute(
        key,
        (k, tat) -> {
          outcome[0] = Gcra.evaluate(tat == null ? Gcra.NO_TAT : tat, now, interval, capacity);
          return outcome[0].allowed() ? Long.valueOf(outcome[0].tat()) : tat;
        });
    sweepIfDue(now);
    Gcra.Outcome o = outcome[0];
    return new RateLimitDecision(
        o.allowed(),
        limit.permits(),
        o.remaining(),
        Duration.ofNanos(o.retryAfterMicros() * 1_000));
  }

  /** Keys currently held in memory. */
  int size() {
    return tats.size();
  }

  private void sweepIfDue(long now) {
    long due = nextSweepMicros.get();
    boolean overfull = tats.size() > maxKeys;
    if ((now < due && !overfull)
        || !nextSweepMicros.compareAndSet(due, now + SWEEP_EVERY.toNanos() / 1_000)) {
      return;
    }
    // removeIf on the values view removes an entry only if its value is still the one tested.
    tats.values().removeIf(tat -> tat <= now);
    // Dropping to 90% rather than to the bound keeps a flood of new keys from sweeping every time.
    int target = Math.max(1, maxKeys - maxKeys / 10);
    Iterator<String> keys = tats.keySet().iterator();
    while (tats.size() > target && keys.hasNext()) {
      keys.next();
      keys.remove();
    }
  }

  private static long micros(Instant instant) {
    return Math.addExact(
        Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
  }
}
