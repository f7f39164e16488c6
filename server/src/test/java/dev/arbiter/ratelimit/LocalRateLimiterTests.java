package dev.arbiter.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.testsupport.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LocalRateLimiterTests {
  private final SettableClock clock = new SettableClock(Instant.parse("2026-03-01T12:00:00Z"));
  private final LocalRateLimiter limiter = new LocalRateLimiter(clock);
  private final RateLimit fivePerSecond = RateLimit.of(5, Duration.ofSeconds(1));

  @Test
  void shouldAllowExactlyThePermitsThenLimitWithTheExactRetryAfter() {
    for (int i = 1; i <= 5; i++) {
      RateLimitDecision decision = limiter.tryAcquire("acme:key", fivePerSecond);
      assertThat(decision.allowed()).isTrue();
      assertThat(decision.limit()).isEqualTo(5);
      assertThat(decision.remaining()).isEqualTo(5 - i);
      assertThat(decision.retryAfter()).isZero();
    }

    RateLimitDecision limited = limiter.tryAcquire("acme:key", fivePerSecond);

    assertThat(limited.allowed()).isFalse();
    assertThat(limited.remaining()).isZero();
    assertThat(limited.retryAfter()).isEqualTo(Duration.ofMillis(200));
    assertThat(limited.retryAfterSeconds()).isEqualTo(1);
  }

  @Test
  void shouldNotConsumeAPermitWhenLimited() {
    drain("k", fivePerSecond);
    for (int i = 0; i < 10; i++) {
      assertThat(limiter.tryAcquire("k", fivePerSecond).allowed()).isFalse();
    }

    clock.advance(Duration.ofMillis(200));

    assertThat(limiter.tryAcquire("k", fivePerSecond).allowed()).isTrue();
  }

  @Test
  void shouldCountDownRetryAfterAsTimePasses() {
    drain("k", fivePerSecond);
    clock.advance(Duration.ofMillis(150));

    assertThat(limiter.tryAcquire("k", fivePerSecond).retryAfter())
        .isEqualTo(Duration.ofMillis(50));
  }

  @Test
  void shouldGiveBackOnePermitPerIntervalAndAllOfThemAfterAWindow() {
    drain("k", fivePerSecond);

    clock.advance(Duration.ofMillis(199));
    assertThat(limiter.tryAcquire("k", fivePerSecond).allowed()).isFalse();
    clock.advance(Duration.ofMillis(1));
    RateLimitDecision one = limiter.tryAcquire("k", fivePerSecond);
    assertThat(one.allowed()).isTrue();
    assertThat(one.remaining()).isZero();
    assertThat(limiter.tryAcquire("k", fivePerSecond).allowed()).isFalse();

    clock.advance(Duration.ofSeconds(5));
    assertThat(drain("k", fivePerSecond)).isEqualTo(5);
  }

  @Test
  void shouldAllowABurstOfExactlyThePermitsWhenTheIntervalIsFractional() {
    RateLimit threePerSecond = RateLimit.of(3, Duration.ofSeconds(1));

    assertThat(drain("k", threePerSecond)).isEqualTo(3);
    // The 333,333.3 µs interval is rounded up to 333,334 µs: refilling takes 2 µs longer.
    clock.advance(Duration.ofSeconds(1));
    assertThat(drain("k", threePerSecond)).isEqualTo(2);
    clock.advance(Duration.ofSeconds(1).plusNanos(2_000));
    assertThat(drain("k", threePerSecond)).isEqualTo(3);
  }

  @Test
  void shouldKeepKeysIndependent() {
    drain("acme:a", fivePerSecond);

    assertThat(limiter.tryAcquire("acme:b", fivePerSecond).remaining()).isEqualTo(4);
    assertThat(limiter.tryAcquire("beta:a", fivePerSecond).allowed()).isTrue();
  }

  @Test
  void shouldNotHandOutExtraPermitsWhenTheClockStepsBack() {
    drain("k", fivePerSecond);
    clock.advance(Duration.ofSeconds(-30));

    assertThat(limiter.tryAcquire("k", fivePerSecond).allowed()).isFalse();
  }

  @Test
  void shouldForgetIdleKeysAndStayWithinItsBound() {
    LocalRateLimiter bounded = new LocalRateLimiter(clock, 100);
    for (int i = 0; i < 100; i++) {
      bounded.tryAcquire("key-" + i, fivePerSecond);
    }
    assertThat(bounded.size()).isEqualTo(100);

    clock.advance(LocalRateLimiter.SWEEP_EVERY);
    bounded.tryAcquire("fresh", fivePerSecond);
    assertThat(bounded.size()).isEqualTo(1);

    for (int i = 0; i < 1_000; i++) {
      bounded.tryAcquire("busy-" + i, fivePerSecond);
      assertThat(bounded.size()).isLessThanOrEqualTo(100);
    }
  }

  @Test
  void shouldAllowExactlyThePermitsUnderConcurrentLoad() throws Exception {
    RateLimit limit = RateLimit.of(1_000, Duration.ofHours(1));
    ExecutorService threads = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> results = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      results.add(
          threads.submit(
              () -> {
                start.await();
                int allowed = 0;
                for (int i = 0; i < 500; i++) {
                  if (limiter.tryAcquire("shared", limit).allowed()) {
                    allowed++;
                  }
                }
                return allowed;
              }));
    }
    start.countDown();
    int total = 0;
    for (Future<Integer> result : results) {
      total += result.get(30, TimeUnit.SECONDS);
    }
    threads.shutdown();

    assertThat(total).isEqualTo(1_000);
  }

  private int drain(String key, RateLimit limit) {
    int allowed = 0;
    while (limiter.tryAcquire(key, limit).allowed()) {
      allowed++;
    }
    return allowed;
  }
}
