package dev.arbiter.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ModelCircuitBreakersTests {

  @Test
  void shouldOpenAfterFiveFailuresHalfOpenAfterTheWaitAndCloseAfterThreeSuccesses()
      throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ModelCircuitBreakers breakers = new ModelCircuitBreakers(meters, Duration.ofMillis(300));
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(ModelCircuitBreakers.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
        new ch.qos.logback.core.read.ListAppender<>();
    logged.start();
    logger.addAppender(logged);
    for (int i = 0; i < 4; i++) {
      breakers.record("t", "m", "logistic", true);
    }
    assertThat(breakers.state("t", "m")).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(breakers.unavailable("t")).isEmpty();
    breakers.record("t", "m", "logistic", true);
    assertThat(breakers.state("t", "m")).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(breakers.unavailable("t")).containsExactly("m");
    assertThat(breakers.check().status()).isEqualTo("degraded");
    assertThat(meters.get("arbiter.model.failures").tag("type", "logistic").counter().count())
        .isEqualTo(5);

    Thread.sleep(700);
    assertThat(breakers.state("t", "m")).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    assertThat(breakers.unavailable("t")).isEmpty();
    for (int i = 0; i < 3; i++) {
      breakers.record("t", "m", "logistic", false);
    }
    assertThat(breakers.state("t", "m")).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(breakers.check().status()).isEqualTo("up");
    logger.detachAppender(logged);
    // every transition is logged, the opening as a warning naming the model and tenant
    assertThat(logged.list)
        .extracting(e -> e.getLevel() + " " + e.getFormattedMessage())
        .containsExactly(
            "WARN Model m of tenant t: circuit breaker open after 5 failed decisions in a row;"
                + " its offers get the fallback score for 0.3 s",
            "INFO Model m of tenant t: circuit breaker half_open",
            "INFO Model m of tenant t: circuit breaker closed");
  }

  @Test
  void shouldNotOpenOnFailuresInterruptedBySuccess() {
    ModelCircuitBreakers breakers = new ModelCircuitBreakers(new SimpleMeterRegistry());
    for (int i = 0; i < 20; i++) {
      breakers.record("t", "m", "logistic", i % 3 != 0);
    }
    assertThat(breakers.state("t", "m")).isEqualTo(CircuitBreaker.State.CLOSED);
  }
}
