package dev.arbiter.ratelimit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rate limiter the server uses: Redis when configured, process memory otherwise or while Redis
 * is unreachable. Always answers and never waits on Redis longer than its command timeout.
 *
 * <p>The first Redis failure of a request (error, timeout or lost connection) answers that request
 * from memory and marks the limiter degraded. While degraded no request touches Redis: a probe
 * sends {@code PING} (reconnecting if needed) every probe interval, and the first success returns
 * the limiter to Redis. While degraded each node enforces the limit on its own, so N nodes may
 * together allow up to N times the limit; buckets in memory and in Redis are not merged on either
 * switch.
 *
 * <p>Metrics on the given registry: {@code arbiter.ratelimit.requests{outcome=allowed|limited,
 * backend=redis|local}}, {@code arbiter.ratelimit.redis.errors} (failed requests to Redis; probe
 * failures are not counted) and the gauge {@code arbiter.ratelimit.degraded} (1 while a configured
 * Redis is unreachable). Thread-safe. {@link #close()} stops the probe and closes the Redis client.
 */
public final class FailoverRateLimiter implements RateLimiter, AutoCloseable {
  public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(FailoverRateLimiter.class);

  private final RedisRateLimiter redis;
  private final LocalRateLimiter local;
  private final Clock clock;
  private final MeterRegistry meters;
  private final ScheduledExecutorService probe;
  private final Counter redisAllowed;
  private final Counter redisLimited;
  private final Counter localAllowed;
  private final Counter localLimited;
  private final Counter redisErrors;
  private final Gauge degradedGauge;
  private volatile State state;

  private record State(boolean degraded, String lastError, Instant since) {}

  /**
   * A limiter on Redis when {@code redis} is given, in process memory only when it is null.
   *
   * <p>With Redis, connects and pings once before returning (at most the 1 s connect timeout and
   * twice the command timeout); if that fails it starts degraded and the probe keeps trying.
   *
   * @param redis the shared limiter, or null when {@code REDIS_URL} is not configured; closed by
   *     {@link #close()}
   * @param local the fallback, also the only limiter when {@code redis} is null
   * @param meters where the metrics go
   * @param clock time for {@link #status()}
   * @param probeInterval how often a degraded limiter pings Redis
   */
  public FailoverRateLimiter(
      RedisRateLimiter redis,
      LocalRateLimiter local,
      MeterRegistry meters,
      Clock clock,
      Duration probeInterval) {
    this.redis = redis;
    this.local = Objects.requireNonNull(local, "local");
    this.meters = Objects.requireNonNull(meters, "meters");
    this.clock = Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(probeInterval, "probeInterval");
    this.state = new State(false, null, clock.instant());
    this.redisAllowed = requests(meters, "allowed", "redis");
    this.redisLimited = requests(meters, "limited", "redis");
    this.localAllowed = requests(meters, "allowed", "local");
    this.localLimited = requests(meters, "limited", "local");
    this.redisErrors =
        Counter.builder("arbiter.ratelimit.redis.errors")
            .description("Rate-limit requests that Redis failed to answer (then answered locally)")
            .register(meters);
    this.degradedGauge =
        Gauge.builder("arbiter.ratelimit.degraded", this, l -> l.state.degraded() ? 1 : 0)
            .description("1 while the configured Redis is unreachable and limits are per node")
            .register(meters);
    if (redis == null) {
      this.probe = null;
      return;
    }
    try {
      redis.ping();
    } catch (RuntimeException e) {
      degrade(e);
    }
    this.probe =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "arbiter-ratelimit-redis-probe");
              thread.setDaemon(true);
              return thread;
            });
    long millis = Math.max(1, probeInterval.toMillis());
    probe.scheduleWithFixedDelay(this::probeOnce, millis, millis, TimeUnit.MILLISECONDS);
  }

  /** A limiter as above, probing every {@link #DEFAULT_PROBE_INTERVAL}. */
  public FailoverRateLimiter(
      RedisRateLimiter redis, LocalRateLimiter local, MeterRegistry meters, Clock clock) {
    this(redis, local, meters, clock, DEFAULT_PROBE_INTERVAL);
  }

  @Override
  public RateLimitDecision tryAcquire(String key, RateLimit limit) {
    if (redis != null && !state.degraded()) {
      try {
        RateLimitDecision decision = redis.tryAcquire(key, limit);
        (decision.allowed() ? redisAllowed : redisLimited).increment();
        return decision;
      } catch (RuntimeException e) {
        redisErrors.increment();
        degrade(e);
      }
    }
    RateLimitDecision decision = local.tryAcquire(key, limit);
    (decision.allowed() ? localAllowed : localLimited).increment();
    return decision;
  }

  /** Where answers come from now and whether that is by choice or by failure. */
  /** The Redis limiter, or null when Redis is not configured; for health probes. */
  public RedisRateLimiter redis() {
    return redis;
  }

  public RateLimiterStatus status() {
    State current = state;
    boolean onRedis = redis != null && !current.degraded();
    return new RateLimiterStatus(
        onRedis ? RateLimiterStatus.MODE_REDIS : RateLimiterStatus.MODE_IN_PROCESS,
        !current.degraded(),
        redis != null,
        current.lastError(),
        current.since());
  }

  @Override
  public void close() {
    if (probe != null) {
      probe.shutdownNow();
    }
    if (redis != null) {
      redis.close();
    }
    for (Meter meter :
        List.of(
            redisAllowed, redisLimited, localAllowed, localLimited, redisErrors, degradedGauge)) {
      meters.remove(meter);
    }
  }

  private void probeOnce() {
    if (!state.degraded()) {
      return;
    }
    try {
      Duration latency = redis.ping();
      synchronized (this) {
        state = new State(false, state.lastError(), clock.instant());
      }
      log.info(
          "Rate limiter back on Redis at {} (PING {} ms); limits are shared across nodes again",
          redis.target(),
          latency.toMillis());
    } catch (RuntimeException e) {
      synchronized (this) {
        state = new State(true, describe(e), state.since());
      }
    } catch (Error e) {
      log.error("Rate limiter Redis probe failed unexpectedly", e);
    }
  }

  private synchronized void degrade(RuntimeException e) {
    String error = describe(e);
    if (state.degraded()) {
      state = new State(true, error, state.since());
      return;
    }
    state = new State(true, error, clock.instant());
    log.warn(
        "Rate limiter cannot use Redis at {} ({}); answering from process memory, limits are per"
            + " node until Redis is back",
        redis.target(),
        error);
  }

  private static String describe(RuntimeException e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  private static Counter requests(MeterRegistry meters, String outcome, String backend) {
    return Counter.builder("arbiter.ratelimit.requests")
        .description("Rate-limit decisions by outcome and by the backend that made them")
        .tag("outcome", outcome)
        .tag("backend", backend)
        .register(meters);
  }
}
