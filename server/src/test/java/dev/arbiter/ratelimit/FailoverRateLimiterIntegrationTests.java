package dev.arbiter.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.testsupport.TestRedis;
import dev.arbiter.testsupport.TestRedis.DedicatedRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Outages against a Redis of the test's own (never the shared one): stopped, restarted on the same
 * port, paused so commands time out, or absent at start-up.
 */
class FailoverRateLimiterIntegrationTests {
  /** The command timeout plus room for a loaded 2-core machine; far below a hang. */
  private static final Duration MAX_ANSWER_TIME = Duration.ofMillis(1_000);

  private final List<AutoCloseable> closeAfter = new ArrayList<>();
  private final PrometheusMeterRegistry meters =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final RateLimit limit = RateLimit.of(1_000, Duration.ofMinutes(1));

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable closeable : closeAfter.reversed()) {
      closeable.close();
    }
  }

  private DedicatedRedis dedicatedRedis() {
    DedicatedRedis redis = TestRedis.startDedicated();
    closeAfter.add(redis);
    return redis;
  }

  private FailoverRateLimiter limiterOn(DedicatedRedis redis) {
    FailoverRateLimiter limiter =
        new FailoverRateLimiter(
            new RedisRateLimiter(redis.uri(), RedisRateLimiter.DEFAULT_COMMAND_TIMEOUT),
            new LocalRateLimiter(Clock.systemUTC()),
            meters,
            Clock.systemUTC());
    closeAfter.add(limiter);
    return limiter;
  }

  @Test
  void shouldAnswerFromMemoryWhileRedisIsDownAndReturnToRedisByItself() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    FailoverRateLimiter limiter = limiterOn(redis);
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.tryAcquire("acme:key-1", limit).allowed()).isTrue();
    }
    assertThat(limiter.status())
        .extracting(s -> s.mode(), s -> s.healthy(), s -> s.configured(), s -> s.lastError())
        .containsExactly(RateLimiterStatus.MODE_REDIS, true, true, null);

    redis.stop();
    for (int i = 0; i < 20; i++) {
      RateLimitDecision decision = timed(() -> limiter.tryAcquire("acme:key-1", limit));
      assertThat(decision.allowed()).isTrue();
      assertThat(decision.limit()).isEqualTo(1_000);
    }

    RateLimiterStatus degraded = limiter.status();
    assertThat(degraded.mode()).isEqualTo(RateLimiterStatus.MODE_IN_PROCESS);
    assertThat(degraded.healthy()).isFalse();
    assertThat(degraded.configured()).isTrue();
    assertThat(degraded.lastError()).isNotBlank();
    String scrape = meters.scrape();
    assertThat(scrape)
        .contains("arbiter_ratelimit_degraded 1.0")
        // Only the first request touched the dead Redis; the rest went straight to memory.
        .contains("arbiter_ratelimit_redis_errors_total 1.0")
        .contains("arbiter_ratelimit_requests_total{backend=\"redis\",outcome=\"allowed\"} 3.0")
        .contains("arbiter_ratelimit_requests_total{backend=\"local\",outcome=\"allowed\"} 20.0");

    redis.start();
    awaitTrue(() -> limiter.status().healthy(), Duration.ofSeconds(5));

    RateLimiterStatus recovered = limiter.status();
    assertThat(recovered.mode()).isEqualTo(RateLimiterStatus.MODE_REDIS);
    assertThat(recovered.since()).isAfter(degraded.since());
    assertThat(recovered.lastError()).isEqualTo(degraded.lastError());
    assertThat(limiter.tryAcquire("acme:key-1", limit).allowed()).isTrue();
    assertThat(meters.scrape())
        .contains("arbiter_ratelimit_degraded 0.0")
        .contains("arbiter_ratelimit_redis_errors_total 1.0")
        .contains("arbiter_ratelimit_requests_total{backend=\"redis\",outcome=\"allowed\"} 4.0");
  }

  @Test
  void shouldFailOverWithinTheCommandTimeoutWhenRedisStopsAnswering() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    FailoverRateLimiter limiter = limiterOn(redis);
    assertThat(limiter.tryAcquire("acme:key-1", limit).allowed()).isTrue();

    RedisClient client = RedisClient.create(redis.uri());
    StatefulRedisConnection<String, String> admin = client.connect();
    closeAfter.add(client::shutdown);
    closeAfter.add(admin);
    admin.sync().clientPause(2_000); // Redis accepts commands and answers none for 2 s

    RateLimitDecision decision = timed(() -> limiter.tryAcquire("acme:key-1", limit));

    assertThat(decision.allowed()).isTrue();
    assertThat(limiter.status().healthy()).isFalse();
    assertThat(limiter.status().lastError()).containsIgnoringCase("timed out");
    for (int i = 0; i < 10; i++) {
      timed(() -> limiter.tryAcquire("acme:key-1", limit));
    }
    assertThat(meters.scrape()).contains("arbiter_ratelimit_redis_errors_total 1.0");

    awaitTrue(() -> limiter.status().healthy(), Duration.ofSeconds(6));
    assertThat(limiter.status().mode()).isEqualTo(RateLimiterStatus.MODE_REDIS);
  }

  @Test
  void shouldStartDegradedWhenRedisIsDownAtStartAndRecoverWhenItComes() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    redis.stop();

    long start = System.nanoTime();
    FailoverRateLimiter limiter = limiterOn(redis);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));

    assertThat(limiter.status().mode()).isEqualTo(RateLimiterStatus.MODE_IN_PROCESS);
    assertThat(limiter.status().healthy()).isFalse();
    assertThat(timed(() -> limiter.tryAcquire("acme:key-1", limit)).allowed()).isTrue();
    assertThat(meters.scrape()).contains("arbiter_ratelimit_degraded 1.0");

    redis.start();
    awaitTrue(() -> limiter.status().healthy(), Duration.ofSeconds(5));
    assertThat(limiter.status().mode()).isEqualTo(RateLimiterStatus.MODE_REDIS);
    assertThat(limiter.tryAcquire("acme:key-1", limit).allowed()).isTrue();
    assertThat(meters.scrape())
        .contains("arbiter_ratelimit_requests_total{backend=\"redis\",outcome=\"allowed\"} 1.0");
  }

  @Test
  void shouldLimitInProcessAndReportItHealthyWhenRedisIsNotConfigured() {
    FailoverRateLimiter limiter =
        new FailoverRateLimiter(
            null, new LocalRateLimiter(Clock.systemUTC()), meters, Clock.systemUTC());
    closeAfter.add(limiter);
    RateLimit two = RateLimit.of(2, Duration.ofMinutes(1));

    assertThat(limiter.tryAcquire("acme:key-1", two).allowed()).isTrue();
    assertThat(limiter.tryAcquire("acme:key-1", two).allowed()).isTrue();
    assertThat(limiter.tryAcquire("acme:key-1", two).allowed()).isFalse();

    assertThat(limiter.status())
        .extracting(s -> s.mode(), s -> s.healthy(), s -> s.configured(), s -> s.lastError())
        .containsExactly(RateLimiterStatus.MODE_IN_PROCESS, true, false, null);
    assertThat(meters.scrape())
        .contains("arbiter_ratelimit_degraded 0.0")
        .contains("arbiter_ratelimit_requests_total{backend=\"local\",outcome=\"allowed\"} 2.0")
        .contains("arbiter_ratelimit_requests_total{backend=\"local\",outcome=\"limited\"} 1.0");
  }

  @Test
  void shouldRemoveItsMetersWhenClosed() {
    FailoverRateLimiter limiter =
        new FailoverRateLimiter(
            null, new LocalRateLimiter(Clock.systemUTC()), meters, Clock.systemUTC());
    limiter.close();

    assertThat(meters.getMeters()).isEmpty();
  }

  private static RateLimitDecision timed(java.util.function.Supplier<RateLimitDecision> call) {
    long start = System.nanoTime();
    RateLimitDecision decision = call.get();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(MAX_ANSWER_TIME);
    return decision;
  }

  private static void awaitTrue(BooleanSupplier condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within %s", timeout).isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}
