package dev.arbiter.scoring;

import dev.arbiter.engine.scoring.ExternalModel;
import dev.arbiter.engine.scoring.ExternalScorer;
import dev.arbiter.engine.scoring.ScoringSubject;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Scores a decision's offers with an {@code external} model's service: one {@code POST} of JSON per
 * decision to the model's URL,
 *
 * <pre>{@code
 * {"model": "churn-v3",
 *  "customer": {...the request's attributes...},
 *  "request": {"channel": "web", "placement": "home", "context": {...}},
 *  "offers": [{"key": "gold-card", "id": "...", "category": "cards", ...}, ...]}
 * }</pre>
 *
 * (each offer as rules see it), answered {@code 200} with {@code {"scores": {"gold-card": 0.42,
 * ...}}}: a propensity in [0, 1] per offer key. An offer the answer leaves out, or scores with
 * anything else, gets the model's fallback score; a call that fails, answers another status, takes
 * longer than the model's {@code timeoutMs} (connection included) or sends more than {@link
 * #answerLimit} bytes gives every offer of the decision the fallback score. Calls go through {@link
 * #forDecision}: only those the model's circuit breaker permits are made, and it is told of each.
 * Only URLs {@code ARBITER_EXTERNAL_MODEL_URLS} allows are called; redirects are not followed.
 *
 * <p>Metrics: {@code arbiter_model_external_requests_seconds{outcome}} (a timer; {@code ok}, {@code
 * timeout}, {@code failed}: no answer, {@code status}: not 200, {@code invalid}: not the JSON
 * above, {@code refused}: a URL not allowed, not called) and {@code
 * arbiter_model_external_unscored_total} (offers an answer left without a valid score). Failures
 * are logged at most once a minute per tenant and model. Thread-safe; the scorers {@link
 * #forDecision} gives are not (one per decision).
 */
public final class HttpExternalScorer {
  private static final Logger log = LoggerFactory.getLogger(HttpExternalScorer.class);

  /** The most bytes an answer may have: about 10,000 offers' scores. */
  static final int MAX_ANSWER_BYTES = 1 << 20;

  /**
   * The most bytes an answer for {@code offers} offers may have: 256 per offer and 4 KiB, at most
   * {@link #MAX_ANSWER_BYTES}; an offer's score takes its key and a number.
   */
  static int answerLimit(int offers) {
    return (int) Math.min(MAX_ANSWER_BYTES, 4096L + 256L * offers);
  }

  private static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final ExternalModelUrls allowed;
  private final JsonMapper json;
  private final HttpClient client;
  private final ExternalModelHeaders headers;
  private final MeterRegistry meters;
  private final Counter unscored;
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();

  public HttpExternalScorer(ExternalModelUrls allowed, JsonMapper json, MeterRegistry meters) {
    this(allowed, ExternalModelHeaders.NONE, json, meters);
  }

  /**
   * @param headers what each call carries besides its content headers (credentials), by the model's
   *     URL
   */
  public HttpExternalScorer(
      ExternalModelUrls allowed,
      ExternalModelHeaders headers,
      JsonMapper json,
      MeterRegistry meters) {
    this.allowed = allowed;
    this.headers = headers;
    this.json = json;
    this.meters = meters;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofMillis(ExternalModel.MAX_TIMEOUT_MS))
            .build();
    this.unscored =
        Counter.builder("arbiter.model.external.unscored")
            .description("Offers an external model's answer left without a valid score (fallback)")
            .register(meters);
    for (String outcome : List.of("ok", "timeout", "failed", "status", "invalid", "refused")) {
      timer(outcome);
    }
  }

  /**
   * A scorer for one decision of {@code tenantId}: it calls a model's service only when the model's
   * breaker permits (closed, or one of its half-open trial calls), tells the breaker how the call
   * went (an unscored offer is no failure of the call), and answers a retry of the decision (a
   * contact-history conflict) from the scores it already has. Not thread-safe: one per decision.
   */
  public ExternalScorer forDecision(String tenantId, ModelCircuitBreakers breakers) {
    return new DecisionScorer(tenantId, breakers);
  }

  private final class DecisionScorer implements ExternalScorer {
    private final String tenantId;
    private final ModelCircuitBreakers breakers;
    private String scoredModel;
    private Map<String, Double> scored;
    private String failedModel;

    DecisionScorer(String tenantId, ModelCircuitBreakers breakers) {
      this.tenantId = tenantId;
      this.breakers = breakers;
    }

    @Override
    public double[] score(ExternalModel model, Map<String, ?> data, List<ScoringSubject> offers) {
      if (model.key().equals(scoredModel) && scored.keySet().containsAll(keys(offers))) {
        double[] again = new double[offers.size()];
        for (int i = 0; i < again.length; i++) {
          again[i] = scored.get(offers.get(i).key());
        }
        return again;
      }
      if (model.key().equals(failedModel)) {
        // the decision made again (a contact-history conflict): its call failed already
        throw new IllegalStateException("the model's call failed in this decision");
      }
      if (!breakers.tryCall(tenantId, model.key())) {
        throw new IllegalStateException("the model's breaker permits no call now");
      }
      long start = System.nanoTime();
      double[] scores;
      try {
        scores = call(tenantId, model, data, offers, start);
      } catch (RuntimeException e) {
        breakers.record(tenantId, model.key(), model.type(), true);
        failedModel = model.key();
        throw e;
      }
      breakers.record(tenantId, model.key(), model.type(), false);
      scoredModel = model.key();
      scored = new java.util.HashMap<>();
      for (int i = 0; i < scores.length; i++) {
        scored.put(offers.get(i).key(), scores[i]);
      }
      return scores;
    }

    private static List<String> keys(List<ScoringSubject> offers) {
      List<String> keys = new ArrayList<>(offers.size());
      for (ScoringSubject o : offers) {
        keys.add(o.key());
      }
      return keys;
    }
  }

  /** One call to the model's service; any failure is counted, logged (at most once a minute). */
  private double[] call(
      String tenantId,
      ExternalModel model,
      Map<String, ?> data,
      List<ScoringSubject> offers,
      long start) {
    try {
      return callOnce(tenantId, model, data, offers, start);
    } catch (Failure f) {
      throw f;
    } catch (RuntimeException e) {
      throw failure(tenantId, model, start, "failed", String.valueOf(e), e);
    }
  }

  private double[] callOnce(
      String tenantId,
      ExternalModel model,
      Map<String, ?> data,
      List<ScoringSubject> offers,
      long start) {
    if (!allowed.allows(model.url())) {
      throw failure(
          tenantId,
          model,
          start,
          "refused",
          "not under a prefix of ARBITER_EXTERNAL_MODEL_URLS " + allowed,
          null);
    }
    List<Object> sent = new ArrayList<>(offers.size());
    for (ScoringSubject offer : offers) {
      sent.add(offer.fields());
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", model.key());
    body.put("customer", data.get("customer"));
    body.put("request", data.get("request"));
    body.put("offers", sent);
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(model.url())
            .timeout(model.timeout())
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
    headers.headersFor(model.url()).forEach(builder::header);
    HttpRequest request = builder.build();
    int limit = answerLimit(offers.size());
    CompletableFuture<HttpResponse<byte[]>> call =
        client.sendAsync(
            request,
            info ->
                info.statusCode() == 200
                    ? new Limited(limit)
                    : HttpResponse.BodySubscribers.replacing(null));
    HttpResponse<byte[]> response;
    try {
      long left = model.timeout().toNanos() - (System.nanoTime() - start);
      response = call.get(Math.max(left, 0), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw failure(tenantId, model, start, "timeout", "no answer within " + model.timeout(), null);
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw failure(tenantId, model, start, "failed", "interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      String outcome = cause instanceof java.net.http.HttpTimeoutException ? "timeout" : "failed";
      throw failure(tenantId, model, start, outcome, String.valueOf(cause), null);
    }
    if (response.statusCode() != 200) {
      throw failure(
          tenantId, model, start, "status", "answered HTTP " + response.statusCode(), null);
    }
    JsonNode scores;
    try {
      scores = json.readTree(response.body()).path("scores");
    } catch (RuntimeException e) {
      throw failure(
          tenantId, model, start, "invalid", "the answer is not JSON: " + e.getMessage(), null);
    }
    if (!scores.isObject()) {
      throw failure(tenantId, model, start, "invalid", "the answer has no \"scores\" object", null);
    }
    double[] propensities = new double[offers.size()];
    int missing = 0;
    for (int i = 0; i < propensities.length; i++) {
      JsonNode score = scores.get(offers.get(i).key());
      double p = score != null && score.isNumber() ? score.asDouble() : Double.NaN;
      if (!(p >= 0 && p <= 1)) {
        p = Double.NaN;
        missing++;
      }
      propensities[i] = p;
    }
    unscored.increment(missing);
    timer("ok").record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    return propensities;
  }

  private RuntimeException failure(
      String tenantId,
      ExternalModel model,
      long start,
      String outcome,
      String message,
      Throwable cause) {
    timer(outcome).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    // the URL without its query, which may hold a token
    String where =
        model.url().getScheme() + "://" + model.url().getRawAuthority() + model.url().getRawPath();
    String text =
        "External model '"
            + model.key()
            + "' of tenant "
            + tenantId
            + " at "
            + where
            + ": "
            + message;
    long now = System.nanoTime();
    String key = tenantId + "/" + model.key();
    Long last = lastLogged.get(key);
    if (last == null || now - last > LOG_EVERY_NANOS) {
      if (lastLogged.size() > 10_000) {
        lastLogged.clear(); // models come and go; the map must not grow with them
      }
      lastLogged.put(key, now);
      log.warn("{} (its offers get the fallback score; logged at most once a minute)", text);
    }
    return new Failure(text, cause);
  }

  /** A failed call, counted and logged once. */
  private static final class Failure extends IllegalStateException {
    Failure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private Timer timer(String outcome) {
    return timers.computeIfAbsent(
        outcome,
        o ->
            Timer.builder("arbiter.model.external.requests")
                .description("Calls of external models' services, by outcome")
                .tag("outcome", o)
                .register(meters));
  }

  /** Collects an answer's bytes, failing once there are more than {@code max}. */
  private static final class Limited implements HttpResponse.BodySubscriber<byte[]> {
    private final int max;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    Limited(int max) {
      this.max = max;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer b : items) {
        if (bytes.size() + b.remaining() > max) {
          subscription.cancel();
          result.completeExceptionally(
              new java.io.IOException("the answer is larger than " + max + " bytes"));
          return;
        }
        byte[] chunk = new byte[b.remaining()];
        b.get(chunk);
        bytes.writeBytes(chunk);
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      result.complete(bytes.toByteArray());
    }
  }
}
