package dev.arbiter.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.config.ArbiterConfig.RateSpec;
import dev.arbiter.testsupport.SettableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The limiter's decisions on a clock the test moves: exact, whatever the machine's speed. */
class AuthFailureLimiterTests {
  private final SettableClock clock = new SettableClock(Instant.parse("2026-12-05T10:00:00Z"));
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final AuthFailureLimiter limiter =
      new AuthFailureLimiter(Optional.of(new RateSpec(2, Duration.ofSeconds(2))), clock, meters);

  private void fail(String address) {
    limiter.failed(address, AuthError.AUTH_INVALID_API_KEY, false);
  }

  @Test
  void shouldWatchNoAddressUntilOneExceedsItsLimit() {
    assertThat(limiter.watchesAny()).isFalse();
    assertThat(limiter.admit("203.0.113.5")).isEqualTo(AuthFailureLimiter.Admission.FREE);
    fail("203.0.113.5");
    fail("203.0.113.5");
    assertThat(limiter.watchesAny()).as("within the limit").isFalse();
    fail("203.0.113.5");
    assertThat(limiter.watchesAny()).isTrue();
    AuthFailureLimiter.Admission refused = limiter.admit("203.0.113.5");
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(limiter.admit("203.0.113.6")).isEqualTo(AuthFailureLimiter.Admission.FREE);
  }

  @Test
  void shouldLetRequestsInFlightWhenARefusalEndsTakeOnePermitEachBeforeTheirLookup() {
    fail("203.0.113.5");
    fail("203.0.113.5");
    fail("203.0.113.5");
    clock.advance(Duration.ofSeconds(1)); // the refusal ends: one permit is free
    int taken = 0;
    int refused = 0;
    for (int i = 0; i < 10; i++) { // ten requests arriving before any of them has failed
      AuthFailureLimiter.Admission a = limiter.admit("203.0.113.5");
      if (a.allowed()) {
        assertThat(a.permitTaken()).isTrue();
        taken++;
      } else {
        refused++;
      }
    }
    assertThat(taken).isEqualTo(1);
    assertThat(refused).isEqualTo(9);
    // the one that was let through fails: its permit was taken already, nothing more is counted
    limiter.failed("203.0.113.5", AuthError.AUTH_INVALID_API_KEY, true);
    clock.advance(Duration.ofSeconds(1));
    assertThat(limiter.admit("203.0.113.5").allowed()).isTrue();
  }

  @Test
  void shouldAdmitAWatchedAddressAgainOnceAPermitIsFree() {
    fail("203.0.113.5");
    fail("203.0.113.5");
    fail("203.0.113.5");
    clock.advance(Duration.ofSeconds(3));
    // still watched (for a window of real time), but no longer refused
    assertThat(limiter.admit("203.0.113.5").allowed()).isTrue();
  }

  @Test
  void shouldCountEveryFailureByCodeButOnlyGuessesAgainstTheAddress() {
    for (int i = 0; i < 5; i++) {
      limiter.failed("203.0.113.5", AuthError.AUTH_TOKEN_EXPIRED, false);
      limiter.failed(null, AuthError.AUTH_INVALID_API_KEY, false);
    }
    assertThat(limiter.watchesAny()).isFalse();
    assertThat(meters.counter("arbiter.auth.failures", "code", "AUTH_TOKEN_EXPIRED").count())
        .isEqualTo(5);
    assertThat(meters.counter("arbiter.auth.failures", "code", "AUTH_INVALID_API_KEY").count())
        .isEqualTo(5);
  }

  @Test
  void shouldRefuseNoAddressWhenOff() {
    AuthFailureLimiter off = new AuthFailureLimiter(Optional.empty(), clock, meters);
    for (int i = 0; i < 10; i++) {
      off.failed("203.0.113.5", AuthError.AUTH_INVALID_API_KEY, false);
    }
    assertThat(off.watchesAny()).isFalse();
    assertThat(off.admit("203.0.113.5").allowed()).isTrue();
  }
}
