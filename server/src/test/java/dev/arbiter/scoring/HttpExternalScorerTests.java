package dev.arbiter.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import dev.arbiter.engine.scoring.ExternalModel;
import dev.arbiter.engine.scoring.ExternalScorer;
import dev.arbiter.engine.scoring.ScoringSubject;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The scorer of one decision against a real service on loopback and real breakers: calls only what
 * the breaker permits, tells it of calls (not of unscored offers), calls once per decision.
 */
class HttpExternalScorerTests {
  private HttpServer service;
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger status = new AtomicInteger(200);
  private final AtomicLong delayMillis = new AtomicLong();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final ModelCircuitBreakers breakers =
      new ModelCircuitBreakers(meters, Duration.ofMillis(300));
  private HttpExternalScorer scorer;
  private ExternalModel model;

  private record Subject(String key) implements ScoringSubject {}

  private static final List<ScoringSubject> OFFERS = List.of(new Subject("a"), new Subject("b"));

  @BeforeEach
  void start() throws IOException {
    service = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    service.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    service.createContext(
        "/score",
        exchange -> {
          try (exchange) {
            calls.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            try {
              Thread.sleep(delayMillis.get());
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            // b is never scored: no failure of the call
            byte[] body = "{\"scores\": {\"a\": 0.25}}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status.get(), body.length);
            exchange.getResponseBody().write(body);
          }
        });
    service.start();
    String base = "http://127.0.0.1:" + service.getAddress().getPort();
    scorer =
        new HttpExternalScorer(
            ExternalModelUrls.parse(base + "/"), JsonMapper.builder().build(), meters);
    model = new ExternalModel("m", 0.1, URI.create(base + "/score"), Duration.ofMillis(1_000));
  }

  @AfterEach
  void stop() {
    service.stop(0);
  }

  private ExternalScorer decision() {
    return scorer.forDecision("t", breakers);
  }

  @Test
  void shouldCallOncePerDecisionAndNotCountAnUnscoredOfferAsAFailure() {
    for (int i = 0; i < 6; i++) {
      ExternalScorer one = decision();
      double[] first = one.score(model, Map.of(), OFFERS);
      // a retry of the decision (a contact-history conflict) with what is left of its offers
      double[] again = one.score(model, Map.of(), List.of(new Subject("a")));
      assertThat(first[0]).isEqualTo(0.25);
      assertThat(first[1]).isNaN();
      assertThat(again).containsExactly(0.25);
    }
    assertThat(calls.get()).isEqualTo(6);
    assertThat(breakers.state("t", "m")).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void shouldNotCallAgainNorCountAgainWhenTheDecisionIsMadeAgainAfterAFailedCall() {
    status.set(503);
    ExternalScorer one = decision();
    assertThat(catchThrowable(() -> one.score(model, Map.of(), OFFERS))).isNotNull();
    assertThat(catchThrowable(() -> one.score(model, Map.of(), OFFERS))).isNotNull();
    assertThat(calls.get()).isEqualTo(1);
    assertThat(meters.get("arbiter.model.failures").counter().count()).isEqualTo(1);
  }

  @Test
  void shouldLetOnlyTheHalfOpenTrialCallsThrough() throws Exception {
    status.set(503);
    for (int i = 0; i < 5; i++) {
      assertThat(catchThrowable(() -> decision().score(model, Map.of(), OFFERS))).isNotNull();
    }
    assertThat(breakers.state("t", "m")).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(breakers.unavailable("t")).containsExactly("m");
    Thread.sleep(600); // half-open after 300 ms (automatic transition)
    assertThat(breakers.state("t", "m")).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    assertThat(breakers.unavailable("t")).isEmpty();
    calls.set(0);
    status.set(200);
    delayMillis.set(500);

    // 12 decisions at once while the service is slow: the breaker's 3 trials call, the rest don't
    List<Future<Throwable>> results = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 12; i++) {
        results.add(
            pool.submit(() -> catchThrowable(() -> decision().score(model, Map.of(), OFFERS))));
      }
      int refused = 0;
      for (Future<Throwable> f : results) {
        refused += f.get() == null ? 0 : 1;
      }
      assertThat(refused).isEqualTo(9);
    }
    assertThat(calls.get()).isEqualTo(3);
    assertThat(breakers.state("t", "m")).isEqualTo(CircuitBreaker.State.CLOSED);
  }
}
