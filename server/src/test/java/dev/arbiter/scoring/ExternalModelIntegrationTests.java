package dev.arbiter.scoring;

import static dev.arbiter.testsupport.TestServer.auth;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.arbiter.demo.DemoSeeder;
import dev.arbiter.testsupport.TestServer;
import dev.arbiter.testsupport.TestServer.Response;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code external} models over HTTP: a real scoring service on loopback (the third party a test
 * cannot run), a real server allowed to call it ({@code ARBITER_EXTERNAL_MODEL_URLS}).
 */
class ExternalModelIntegrationTests {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /**
   * How the service answers the next calls: a status and a body, after a delay; a null body scores
   * the offers it is sent by their keys' order: the first 0.9, the last {@code "high"} (not a
   * number), the rest 0.1.
   */
  private record Behaviour(int status, String body, long delayMillis) {}

  static HttpServer service;
  static String serviceUrl;
  static final List<JsonNode> received = new CopyOnWriteArrayList<>();
  static final List<String> authorizations = new CopyOnWriteArrayList<>();
  static final AtomicReference<Behaviour> behaviour = new AtomicReference<>();
  static TestServer server;
  static String editor;
  static String decision;

  @BeforeAll
  static void start() throws IOException {
    service = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    service.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    service.createContext("/models", ExternalModelIntegrationTests::answer);
    service.start();
    serviceUrl = "http://127.0.0.1:" + service.getAddress().getPort() + "/models";
    behaviour.set(new Behaviour(200, null, 0));
    server =
        TestServer.start(
            Map.of(
                "ARBITER_EXTERNAL_MODEL_URLS",
                serviceUrl + "/",
                // the service's credential, from the environment, never from the catalog
                "ARBITER_EXTERNAL_MODEL_HEADERS",
                "{\""
                    + serviceUrl
                    + "\": {\"Authorization\": \"Bearer s3cret\","
                    + " \"X-Scoring-Tenant\": \"arbiter\"}}",
                "ARBITER_HEALTH_DETAILS",
                "full"));
    server.bean(DemoSeeder.class).seed();
    editor = server.apiKey(DemoSeeder.TENANT, "editor");
    decision = server.apiKey(DemoSeeder.TENANT, "decision");
  }

  @AfterAll
  static void stop() {
    server.close();
    service.stop(0);
  }

  private static void answer(HttpExchange exchange) throws IOException {
    try (exchange) {
      JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
      received.add(request);
      authorizations.add(
          String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"))
              + " "
              + exchange.getRequestHeaders().getFirst("X-Scoring-Tenant"));
      Behaviour b = behaviour.get();
      if (b.delayMillis() > 0) {
        try {
          Thread.sleep(b.delayMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      byte[] body =
          (b.body() == null ? byKeyOrder(request) : b.body()).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(b.status(), body.length);
      exchange.getResponseBody().write(body);
    }
  }

  private static String byKeyOrder(JsonNode request) {
    List<String> keys = request.path("offers").findValuesAsString("key").stream().sorted().toList();
    StringBuilder scores = new StringBuilder("{\"scores\": {");
    for (int i = 0; i < keys.size(); i++) {
      scores.append(i == 0 ? "" : ", ").append('"').append(keys.get(i)).append("\": ");
      scores.append(i == 0 ? "0.9" : i == keys.size() - 1 ? "\"high\"" : "0.1");
    }
    return scores.append("}}").toString();
  }

  /**
   * A model of the service at {@code path} and a published flow of the demo's offers on the web
   * (gold-card, personal-loan and travel-insurance qualify for {@link #recommend}'s customer).
   */
  private static void modelAndFlow(String key, String path, int timeoutMs) {
    String[] ed = auth(editor, DemoSeeder.TENANT);
    Response model =
        server.post(
            "/api/v1/models",
            Map.of(
                "key",
                key,
                "name",
                "Scored elsewhere",
                "type",
                "external",
                "config",
                Map.of("url", serviceUrl + path, "timeoutMs", timeoutMs),
                "fallbackScore",
                0.03),
            ed);
    assertThat(model.status()).as(model.body()).isEqualTo(201);
    Response flow =
        server.post(
            "/api/v1/flows",
            Map.of(
                "key",
                key + "-flow",
                "name",
                "External",
                "channel",
                "web",
                "placement",
                key,
                "inventory",
                Map.of("categories", List.of("cards", "loans", "insurance")),
                "modelKey",
                key,
                "maxOffers",
                3),
            ed);
    assertThat(flow.status()).as(flow.body()).isEqualTo(201);
    assertThat(server.post("/api/v1/flows/" + key + "-flow/publish", null, ed).status())
        .isEqualTo(200);
  }

  private static Response recommend(String flow, String customer) {
    return server.post(
        "/api/v1/recommend",
        Map.of(
            "customerId",
            customer,
            "flowKey",
            flow,
            "attributes",
            Map.of("age", 44, "balance", 20000),
            "context",
            Map.of("page", "home")),
        auth(decision, DemoSeeder.TENANT));
  }

  @Test
  void shouldRankOffersByTheServicesScoresAndSendItWhatRulesSee() {
    modelAndFlow("ext-ok", "/score", 2000);
    received.clear();
    behaviour.set(new Behaviour(200, null, 0));

    Response r = recommend("ext-ok-flow", "c-ext");

    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(received).hasSize(1);
    assertThat(authorizations).last().isEqualTo("Bearer s3cret arbiter");
    JsonNode sent = received.get(0);
    assertThat(sent.path("model").asString()).isEqualTo("ext-ok");
    assertThat(sent.path("customer").path("age").asInt()).isEqualTo(44);
    assertThat(sent.path("request").path("channel").asString()).isEqualTo("web");
    assertThat(sent.path("request").path("placement").asString()).isEqualTo("ext-ok");
    assertThat(sent.path("request").path("context").path("page").asString()).isEqualTo("home");
    List<String> sentKeys =
        sent.path("offers").findValuesAsString("key").stream().sorted().toList();
    assertThat(sentKeys).containsExactly("gold-card", "personal-loan", "travel-insurance");
    assertThat(sent.path("offers").findValuesAsString("category"))
        .containsExactlyInAnyOrder("cards", "loans", "insurance");
    assertThat(sent.path("offers").get(0).has("content")).isFalse();
    List<String> returned = r.json().path("offers").findValuesAsString("offerKey");
    assertThat(sentKeys).containsAll(returned);
    for (JsonNode o : r.json().path("offers")) {
      String key = o.path("offerKey").asString();
      boolean last = key.equals(sentKeys.get(sentKeys.size() - 1));
      assertThat(o.path("fallback").asBoolean()).as(key).isEqualTo(last);
      assertThat(o.path("propensity").asDouble())
          .as(key)
          .isEqualTo(last ? 0.03 : key.equals(sentKeys.get(0)) ? 0.9 : 0.1);
    }
    assertThat(returned).contains(sentKeys.get(0));
    // an offer the service leaves unscored is no failure of the call: the breaker stays closed
    for (int i = 0; i < 6; i++) {
      assertThat(recommend("ext-ok-flow", "c-ext-" + i).status()).isEqualTo(200);
    }
    assertThat(received).hasSize(7);
    assertThat(
            server.bean(ModelCircuitBreakers.class).unavailable(server.tenantId(DemoSeeder.TENANT)))
        .doesNotContain("ext-ok");
    assertThat(server.get("/metrics").body())
        .containsPattern("arbiter_model_external_requests_seconds_count\\{outcome=\"ok\"} [1-9]")
        .containsPattern("arbiter_model_external_unscored_total [1-9]");
  }

  @Test
  void shouldFallBackWhenTheServiceFailsOrIsLateAndOpenTheBreaker() {
    modelAndFlow("ext-bad", "/bad", 100);
    behaviour.set(new Behaviour(503, "{\"error\": \"overloaded\"}", 0));
    Response failed = recommend("ext-bad-flow", "c-bad-1");
    assertThat(failed.status()).as(failed.body()).isEqualTo(200);
    assertThat(failed.json().path("offers")).allMatch(o -> o.path("fallback").asBoolean());
    assertThat(failed.json().path("offers").get(0).path("propensity").asDouble()).isEqualTo(0.03);

    behaviour.set(new Behaviour(200, "{\"scores\": {}}", 1_000));
    long start = System.nanoTime();
    Response late = recommend("ext-bad-flow", "c-bad-2");
    assertThat(late.status()).isEqualTo(200);
    assertThat(late.json().path("offers")).allMatch(o -> o.path("fallback").asBoolean());
    assertThat((System.nanoTime() - start) / 1_000_000)
        .as("the decision waited the model's 100 ms, not the service's second")
        .isLessThan(900);

    behaviour.set(new Behaviour(200, "not json", 0));
    for (int i = 3; i <= 5; i++) {
      assertThat(recommend("ext-bad-flow", "c-bad-" + i).status()).isEqualTo(200);
    }
    JsonNode health = server.get("/api/health").json();
    assertThat(
            health.path("checks").path("circuitBreakers").path("details").path("open").toString())
        .contains("ext-bad");
    received.clear();
    behaviour.set(new Behaviour(200, "{\"scores\": {}}", 0));
    Response open = recommend("ext-bad-flow", "c-bad-6");
    assertThat(open.json().path("offers")).allMatch(o -> o.path("fallback").asBoolean());
    assertThat(received).as("an open breaker calls no service").isEmpty();
    assertThat(server.get("/metrics").body())
        .containsPattern("arbiter_model_external_requests_seconds_count\\{outcome=\"status\"} 1")
        .containsPattern("arbiter_model_external_requests_seconds_count\\{outcome=\"timeout\"} 1")
        .containsPattern("arbiter_model_external_requests_seconds_count\\{outcome=\"invalid\"} 3")
        .contains("arbiter_model_failures_total{type=\"external\"} 5.0");
  }

  @Test
  void shouldRefuseAModelOfAUrlTheServerMayNotCall() {
    String[] ed = auth(editor, DemoSeeder.TENANT);
    for (String url :
        List.of(
            "http://169.254.169.254/latest/meta-data",
            serviceUrl.replace("/models", "/admin"),
            serviceUrl + "x/score")) {
      Response refused =
          server.post(
              "/api/v1/models",
              Map.of(
                  "key",
                  "ext-nowhere",
                  "name",
                  "Nowhere",
                  "type",
                  "external",
                  "config",
                  Map.of("url", url),
                  "fallbackScore",
                  0.1),
              ed);
      assertThat(refused.status()).as(url).isEqualTo(422);
      assertThat(refused.json().path("errors").get(0).path("field").asString())
          .isEqualTo("config.url");
      assertThat(refused.json().path("errors").get(0).path("message").asString())
          .contains("ARBITER_EXTERNAL_MODEL_URLS");
    }
    Response onnx =
        server.post(
            "/api/v1/models",
            Map.of(
                "key",
                "onnx-model",
                "name",
                "ONNX",
                "type",
                "onnx",
                "config",
                Map.of(),
                "fallbackScore",
                0.1),
            ed);
    assertThat(onnx.status()).isEqualTo(422);
    assertThat(onnx.json().path("errors").get(0).path("message").asString())
        .contains("type external");
  }
}
