package dev.arbiter.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.testsupport.TestRedis;
import dev.arbiter.testsupport.TestRedis.DedicatedRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Against a real Redis: the shared one from {@link TestRedis}, with a unique key per test. */
class RedisRateLimiterIntegrationTests {
  private final List<AutoCloseable> closeAfter = new ArrayList<>();
  private final String key = "test:" + UUID.randomUUID();

  @AfterEach
  void close() throws Exception {
    // The shared Redis outlives this JVM: leave nothing behind, not even until the TTL.
    inspector(TestRedis.uri()).sync().del(RedisRateLimiter.KEY_PREFIX + key);
    for (AutoCloseable closeable : closeAfter.reversed()) {
      closeable.close();
    }
  }

  private RedisRateLimiter connectedLimiter(io.lettuce.core.RedisURI uri) {
    RedisRateLimiter limiter = new RedisRateLimiter(uri, RedisRateLimiter.DEFAULT_COMMAND_TIMEOUT);
    closeAfter.add(limiter);
    limiter.ping();
    return limiter;
  }

  private StatefulRedisConnection<String, String> inspector(io.lettuce.core.RedisURI uri) {
    RedisClient client = RedisClient.create(uri);
    StatefulRedisConnection<String, String> connection = client.connect();
    closeAfter.add(client::shutdown);
    closeAfter.add(connection);
    return connection;
  }

  @Test
  void shouldAllowExactlyThePermitsThenLimitWithAnHonestRetryAfter() {
    RedisRateLimiter limiter = connectedLimiter(TestRedis.uri());
    RateLimit fivePerTenSeconds = RateLimit.of(5, Duration.ofSeconds(10));

    for (int i = 1; i <= 5; i++) {
      RateLimitDecision decision = limiter.tryAcquire(key, fivePerTenSeconds);
      assertThat(decision.allowed()).isTrue();
      assertThat(decision.limit()).isEqualTo(5);
      assertThat(decision.remaining()).isEqualTo(5 - i);
    }
    RateLimitDecision limited = limiter.tryAcquire(key, fivePerTenSeconds);

    assertThat(limited.allowed()).isFalse();
    assertThat(limited.remaining()).isZero();
    // One permit comes back every 2 s; some of that has passed since the first request.
    assertThat(limited.retryAfter())
        .isPositive()
        .isLessThanOrEqualTo(Duration.ofSeconds(2))
        .isGreaterThan(Duration.ofMillis(1_500));
    assertThat(limited.retryAfterSeconds()).isEqualTo(2);
  }

  @Test
  void shouldAllowAgainOnceRetryAfterHasPassed() throws InterruptedException {
    RedisRateLimiter limiter = connectedLimiter(TestRedis.uri());
    RateLimit fivePerSecond = RateLimit.of(5, Duration.ofSeconds(1));
    for (int i = 0; i < 5; i++) {
      assertThat(limiter.tryAcquire(key, fivePerSecond).allowed()).isTrue();
    }
    RateLimitDecision limited = limiter.tryAcquire(key, fivePerSecond);
    assertThat(limited.allowed()).isFalse();

    Thread.sleep(limited.retryAfter().toMillis() + 5);

    assertThat(limiter.tryAcquire(key, fivePerSecond).allowed()).isTrue();
    assertThat(limiter.tryAcquire(key, fivePerSecond).allowed()).isFalse();

    Thread.sleep(1_100);
    int allowed = 0;
    while (limiter.tryAcquire(key, fivePerSecond).allowed()) {
      allowed++;
    }
    assertThat(allowed).isEqualTo(5);
  }

  @Test
  void shouldStoreOneExpiringPrefixedKeyPerBucket() {
    RedisRateLimiter limiter = connectedLimiter(TestRedis.uri());
    StatefulRedisConnection<String, String> redis = inspector(TestRedis.uri());
    RateLimit fivePerTenSeconds = RateLimit.of(5, Duration.ofSeconds(10));

    limiter.tryAcquire(key, fivePerTenSeconds);
    long afterOne = redis.sync().pttl("arbiter:rl:" + key);
    for (int i = 0; i < 4; i++) {
      limiter.tryAcquire(key, fivePerTenSeconds);
    }
    long afterFive = redis.sync().pttl("arbiter:rl:" + key);

    // The key lives exactly until its bucket is full again.
    assertThat(afterOne).isBetween(1_500L, 2_000L);
    assertThat(afterFive).isBetween(9_500L, 10_000L);
  }

  @Test
  void shouldEnforceOneGlobalLimitAcrossTwoNodesUnderConcurrentLoad() throws Exception {
    FailoverRateLimiter nodeA = node();
    FailoverRateLimiter nodeB = node();
    RateLimit limit = RateLimit.of(500, Duration.ofHours(1));
    ExecutorService threads = Executors.newFixedThreadPool(8);
    closeAfter.add(threads::shutdownNow);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> allowedPerThread = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      FailoverRateLimiter node = t % 2 == 0 ? nodeA : nodeB;
      allowedPerThread.add(
          threads.submit(
              () -> {
                start.await();
                int allowed = 0;
                for (int i = 0; i < 150; i++) {
                  RateLimitDecision decision = node.tryAcquire(key, limit);
                  if (decision.allowed()) {
                    allowed++;
                  } else {
                    assertThat(decision.retryAfter()).isPositive();
                  }
                }
                return allowed;
              }));
    }
    start.countDown();
    int total = 0;
    int onNodeA = 0;
    for (int t = 0; t < 8; t++) {
      int allowed = allowedPerThread.get(t).get(60, TimeUnit.SECONDS);
      total += allowed;
      onNodeA += t % 2 == 0 ? allowed : 0;
    }

    assertThat(total).isEqualTo(500);
    assertThat(onNodeA).isBetween(1, 499);
    assertThat(nodeA.status().mode()).isEqualTo(RateLimiterStatus.MODE_REDIS);
    assertThat(nodeB.status().mode()).isEqualTo(RateLimiterStatus.MODE_REDIS);
  }

  @Test
  void shouldReloadTheScriptWhenRedisHasLostIt() {
    try (DedicatedRedis dedicated = TestRedis.startDedicated()) {
      RedisRateLimiter limiter = connectedLimiter(dedicated.uri());
      RateLimit limit = RateLimit.of(5, Duration.ofMinutes(1));
      assertThat(limiter.tryAcquire(key, limit).remaining()).isEqualTo(4);

      inspector(dedicated.uri()).sync().scriptFlush();

      assertThat(limiter.tryAcquire(key, limit).remaining()).isEqualTo(3);
      assertThat(limiter.tryAcquire(key, limit).remaining()).isEqualTo(2);
    }
  }

  private FailoverRateLimiter node() {
    RedisRateLimiter redis =
        new RedisRateLimiter(TestRedis.uri(), RedisRateLimiter.DEFAULT_COMMAND_TIMEOUT);
    FailoverRateLimiter node =
        new FailoverRateLimiter(
            redis,
            new LocalRateLimiter(Clock.systemUTC()),
            new SimpleMeterRegistry(),
            Clock.systemUTC());
    closeAfter.add(node);
    assertThat(node.status().healthy()).isTrue();
    return node;
  }
}
