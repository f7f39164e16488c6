package dev.arbiter.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimitTests {

  @Test
  void shouldRejectNonPositivePermitsAndWindows() {
    assertThatThrownBy(() -> RateLimit.of(0, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Expected permits between 1 and 1000000000, but got 0");
    assertThatThrownBy(() -> RateLimit.of(10, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("window between 1 ms and 366 days");
    assertThatThrownBy(() -> RateLimit.of(10, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RateLimit.of(10, null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldSpreadPermitsEvenlyOverTheWindowRoundingTheIntervalUp() {
    assertThat(RateLimit.of(10, Duration.ofSeconds(1)).intervalMicros()).isEqualTo(100_000);
    assertThat(RateLimit.of(3, Duration.ofSeconds(1)).intervalMicros()).isEqualTo(333_334);
    assertThat(RateLimit.of(3, Duration.ofSeconds(1)).capacityMicros()).isEqualTo(1_000_002);
    assertThat(RateLimit.of(5_000, Duration.ofMillis(1)).intervalMicros()).isEqualTo(1);
  }

  @Test
  void shouldRoundRetryAfterUpToWholeSeconds() {
    assertThat(new RateLimitDecision(false, 5, 0, Duration.ofMillis(1)).retryAfterSeconds())
        .isEqualTo(1);
    assertThat(new RateLimitDecision(false, 5, 0, Duration.ofMillis(2_001)).retryAfterSeconds())
        .isEqualTo(3);
    assertThat(new RateLimitDecision(false, 5, 0, Duration.ofSeconds(2)).retryAfterSeconds())
        .isEqualTo(2);
    assertThat(new RateLimitDecision(true, 5, 4, Duration.ZERO).retryAfterSeconds()).isZero();
  }
}
