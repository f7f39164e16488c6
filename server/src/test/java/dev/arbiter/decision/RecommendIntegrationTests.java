package dev.arbiter.decision;

import static dev.arbiter.testsupport.TestServer.auth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.demo.DemoSeeder;
import dev.arbiter.testsupport.TestServer;
import dev.arbiter.testsupport.TestServer.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Recommend over HTTP on the demo catalog: routing, eligibility, traces, errors, roles. */
class RecommendIntegrationTests {
  static TestServer server;
  static String editor;
  static String decision;

  @BeforeAll
  static void start() {
    // the open breaker's model is named in /api/health only with full details
    server = TestServer.start(Map.of("ARBITER_HEALTH_DETAILS", "full"));
    server.bean(DemoSeeder.class).seed();
    editor = server.apiKey(DemoSeeder.TENANT, "editor");
    decision = server.apiKey(DemoSeeder.TENANT, "decision");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Response recommend(String key, Object body, String... extra) {
    String[] headers = auth(key, DemoSeeder.TENANT);
    String[] all = new String[headers.length + extra.length];
    System.arraycopy(headers, 0, all, 0, headers.length);
    System.arraycopy(extra, 0, all, headers.length, extra.length);
    return server.post("/api/v1/recommend", body, all);
  }

  /** A new active frequency cap's body, named after its key. */
  static Map<String, Object> frequencyCap(
      String key, Map<String, ?> scope, String outcome, int max, String window) {
    return Map.of(
        "key",
        key,
        "name",
        key,
        "type",
        "frequency_cap",
        "scope",
        scope,
        "config",
        Map.of("outcome", outcome, "max", max, "window", window),
        "status",
        "active");
  }

  static List<String> offerKeys(Response r) {
    return r.json().path("offers").findValuesAsString("offerKey");
  }

  @Test
  void shouldRecommendDifferentOffersToDifferentCustomers() {
    Response rich =
        recommend(
            decision,
            Map.of(
                "customerId",
                "c-1",
                "channel",
                "web",
                "placement",
                "hero",
                "attributes",
                Map.of("balance", 12000, "age", 40)));
    assertThat(rich.status()).as(rich.body()).isEqualTo(200);
    assertThat(rich.json().path("decisionId").asString()).isNotBlank();
    assertThat(rich.json().path("flowKey").asString()).isEqualTo("homepage");
    assertThat(rich.json().path("flowVersion").asInt()).isEqualTo(1);
    assertThat(rich.json().path("catalogVersion").asLong()).isPositive();
    assertThat(offerKeys(rich))
        .contains("gold-card")
        .doesNotContain("student-card", "winter-promo");
    JsonNode first = rich.json().path("offers").get(0);
    assertThat(first.path("rank").asInt()).isEqualTo(1);
    assertThat(first.has("score")).isTrue();
    assertThat(first.has("propensity")).isTrue();
    assertThat(first.path("content").isObject()).isTrue();
    assertThat(rich.json().has("trace")).isFalse();

    Response student =
        recommend(
            decision,
            Map.of(
                "customerId",
                "c-2",
                "flowKey",
                "homepage",
                "attributes",
                Map.of("balance", 100, "age", 19)));
    assertThat(offerKeys(student))
        .contains("student-card")
        .doesNotContain("gold-card", "personal-loan");
  }

  @Test
  void shouldExplainEveryRemovedOfferInADebugTrace() {
    Response r =
        recommend(
            editor,
            Map.of(
                "customerId",
                "c-3",
                "flowKey",
                "homepage",
                "limit",
                1,
                "attributes",
                Map.of("balance", 100, "age", 19)),
            "X-Debug",
            "true");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().path("offers").size()).isEqualTo(1);
    JsonNode trace = r.json().path("trace");
    assertThat(trace.path("id").asString()).isEqualTo(r.json().path("traceId").asString());
    assertThat(trace.path("decisionId").asString())
        .isEqualTo(r.json().path("decisionId").asString());
    assertThat(trace.path("requestId").asString()).isEqualTo(r.header("X-Request-ID"));
    assertThat(trace.path("stages").findValuesAsString("stage"))
        .startsWith(
            "status",
            "schedule",
            "budget",
            "qualification",
            "contact_policy",
            "channel",
            "scoring",
            "arbitration");
    String reasons = trace.path("stages").toString();
    assertThat(reasons)
        .contains("Expected offer 'winter-promo' to be active, but it is paused")
        .contains("rule gold-needs-balance: customer.balance >= 5000 failed");
    assertThat(trace.path("scores").get(0).path("factors").has("propensity")).isTrue();
    assertThat(trace.path("result").size()).isEqualTo(1);
  }

  @Test
  void shouldStoreTracesFindableByDecisionRequestAndCustomer() {
    Response r =
        recommend(
            editor,
            Map.of(
                "customerId",
                "c-traced",
                "flowKey",
                "homepage",
                "attributes",
                Map.of("balance", 100, "age", 19)),
            "X-Debug",
            "true");
    String traceId = r.json().path("traceId").asString();
    String decisionId = r.json().path("decisionId").asString();
    assertThat(server.bean(DecisionLog.class).awaitIdle(java.time.Duration.ofSeconds(10))).isTrue();
    String[] viewer = auth(server.apiKey(DemoSeeder.TENANT, "viewer"), DemoSeeder.TENANT);
    Response byDecision = server.get("/api/v1/decision-traces?decisionId=" + decisionId, viewer);
    assertThat(byDecision.status()).isEqualTo(200);
    assertThat(byDecision.json().path("data").size()).isEqualTo(1);
    assertThat(byDecision.json().path("data").get(0)).isEqualTo(r.json().path("trace"));
    assertThat(
            server
                .get("/api/v1/decision-traces?customerId=c-traced", viewer)
                .json()
                .path("data")
                .get(0)
                .path("id")
                .asString())
        .isEqualTo(traceId);
    assertThat(
            server
                .get("/api/v1/decision-traces?requestId=" + r.header("X-Request-ID"), viewer)
                .json()
                .path("data")
                .size())
        .isEqualTo(1);
    // by flow and time: the decision's own flow and a range around it find it; others do not
    java.time.Instant at =
        java.time.Instant.parse(r.json().path("trace").path("createdAt").asString());
    String around = "&from=" + at.minusSeconds(1) + "&to=" + at.plusSeconds(1);
    assertThat(
            server
                .get(
                    "/api/v1/decision-traces?flowKey=homepage&customerId=c-traced" + around, viewer)
                .json()
                .path("data")
                .findValuesAsString("id"))
        .containsExactly(traceId);
    assertThat(
            server
                .get("/api/v1/decision-traces?flowKey=other&customerId=c-traced", viewer)
                .json()
                .path("data")
                .size())
        .isZero();
    assertThat(
            server
                .get(
                    "/api/v1/decision-traces?customerId=c-traced&from=" + at.plusSeconds(1), viewer)
                .json()
                .path("data")
                .size())
        .isZero();
    Response badRange =
        server.get(
            "/api/v1/decision-traces?from=" + at + "&to=" + at.minusSeconds(1) + "&flowKey=x",
            viewer);
    assertThat(badRange.status()).isEqualTo(422);
    assertThat(badRange.json().path("errors").findValuesAsString("field")).containsExactly("to");
    // a flow alone: within a day, so that a rare flow cannot make one call read every trace
    assertThat(
            server
                .get("/api/v1/decision-traces?flowKey=homepage&from=" + at.minusSeconds(1), viewer)
                .json()
                .path("data")
                .findValuesAsString("id"))
        .contains(traceId);
    Response unbounded = server.get("/api/v1/decision-traces?flowKey=homepage", viewer);
    assertThat(unbounded.status()).isEqualTo(422);
    assertThat(unbounded.json().path("errors").findValuesAsString("field")).containsExactly("from");
    assertThat(
            server
                .get(
                    "/api/v1/decision-traces?flowKey=homepage&from="
                        + at.minus(java.time.Duration.ofDays(2))
                        + "&to="
                        + at,
                    viewer)
                .status())
        .isEqualTo(422);
    assertThat(
            server
                .get("/api/v1/decision-traces?from=yesterday", viewer)
                .json()
                .path("errors")
                .findValuesAsString("field"))
        .containsExactly("from");
    Response one = server.get("/api/v1/decision-traces/" + traceId, viewer);
    assertThat(one.json().path("decisionId").asString()).isEqualTo(decisionId);
    assertThat(
            server
                .get(
                    "/api/v1/decision-traces/" + traceId,
                    auth(server.apiKey("other", "admin"), "other"))
                .status())
        .isEqualTo(404);
  }

  @Test
  void shouldSampleTracesAtTheTenantsRate() {
    String admin = server.apiKey(DemoSeeder.TENANT, "admin");
    long rv =
        server
            .get("/api/v1/tenant-settings", auth(admin, DemoSeeder.TENANT))
            .json()
            .path("rowVersion")
            .asLong();
    server.put(
        "/api/v1/tenant-settings",
        Map.of("traceEnabled", true, "traceSampleRate", 1.0, "rowVersion", rv),
        auth(admin, DemoSeeder.TENANT));
    Response all = recommend(decision, Map.of("customerId", "c-s1", "flowKey", "homepage"));
    assertThat(all.json().path("traceId").asString()).isNotBlank();
    assertThat(all.json().has("trace")).as("only X-Debug returns it inline").isFalse();
    server.put(
        "/api/v1/tenant-settings",
        Map.of("traceSampleRate", 0, "rowVersion", rv + 1),
        auth(admin, DemoSeeder.TENANT));
    Response none = recommend(decision, Map.of("customerId", "c-s2", "flowKey", "homepage"));
    assertThat(none.json().has("traceId")).isFalse();
  }

  @Test
  void shouldEmitADecisionMadeEventPerDecision() throws Exception {
    Response r =
        recommend(
            decision,
            Map.of(
                "customerId",
                "c-event",
                "flowKey",
                "homepage",
                "channel",
                "web",
                "placement",
                "hero",
                "attributes",
                Map.of("balance", 9000, "age", 30)));
    Map<String, Object> row = eventRow(r.json().path("decisionId").asString());
    assertThat(row.get("type")).isEqualTo("decision.made.v1");
    assertThat(row.get("partition_key")).isEqualTo("demo:c-event");
    assertThat(row.get("status")).isEqualTo("pending");
    JsonNode event = eventOf(row);
    assertThat(event.path("specversion").asString()).isEqualTo("1.0");
    assertThat(event.path("data").path("decisionId").asString())
        .isEqualTo(r.json().path("decisionId").asString());
    assertThat(event.path("subject").asString()).isEqualTo("c-event");
    assertThat(event.path("data").path("offers").findValuesAsString("offerKey"))
        .isEqualTo(offerKeys(r));
    assertThat(event.path("data").path("offers").get(0).has("propensity")).isTrue();
    // every attribute and field where it belongs, as the application's own JsonMapper wrote it
    String decisionId = r.json().path("decisionId").asString();
    assertThat(event.path("id").asString()).isEqualTo(decisionId);
    assertThat(event.path("source").asString()).isEqualTo("/arbiter/tenants/demo");
    assertThat(event.path("type").asString()).isEqualTo("decision.made.v1");
    assertThat(event.path("datacontenttype").asString()).isEqualTo("application/json");
    JsonNode data = event.path("data");
    assertThat(data.propertyNames())
        .containsExactly(
            "decisionId",
            "tenant",
            "customerId",
            "requestId",
            "flowKey",
            "flowVersion",
            "catalogVersion",
            "channel",
            "placement",
            "modelKey",
            "decidedAt",
            "seed",
            "offers");
    assertThat(data.path("tenant").asString()).isEqualTo("demo");
    assertThat(data.path("customerId").asString()).isEqualTo("c-event");
    assertThat(data.path("requestId").asString()).isEqualTo(r.header("X-Request-ID"));
    assertThat(data.path("flowKey").asString()).isEqualTo("homepage");
    assertThat(data.path("flowVersion").asInt()).isEqualTo(r.json().path("flowVersion").asInt());
    assertThat(data.path("catalogVersion").asLong())
        .isEqualTo(r.json().path("catalogVersion").asLong());
    assertThat(data.path("channel").asString()).isEqualTo("web");
    assertThat(data.path("placement").asString()).isEqualTo("hero");
    assertThat(data.path("modelKey").asString()).isEqualTo("homepage-bandit");
    assertThat(data.path("decidedAt").asString()).isEqualTo(event.path("time").asString());
    assertThat(data.path("seed").isIntegralNumber()).isTrue();
    JsonNode first = data.path("offers").get(0);
    assertThat(first.path("rank").asInt()).isEqualTo(1);
    assertThat(first.path("score").asDouble())
        .isEqualTo(r.json().path("offers").get(0).path("score").asDouble());
    assertThat(first.path("category").asString()).isNotBlank();
    assertThat(first.has("content")).isFalse();
  }

  /**
   * A request naming only the flow is decided for the flow's channel and placement; its event says
   * so, as the bins learning reads from it do, rather than the request's absent placement (an
   * off-policy evaluation groups decisions by where they were shown).
   */
  @Test
  void shouldNameTheFlowsChannelAndPlacementInTheEventOfARequestNamingOnlyTheFlow() {
    Response r =
        recommend(
            decision,
            Map.of(
                "customerId",
                "c-flow-only",
                "flowKey",
                "homepage",
                "attributes",
                Map.of("balance", 9000, "age", 30)));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode data = eventOf(eventRow(r.json().path("decisionId").asString())).path("data");
    assertThat(data.path("channel").asString()).isEqualTo("web");
    assertThat(data.path("placement").asString()).isEqualTo("hero");
  }

  /** The outbox row of a decision's event, once the decision log has written it. */
  private static Map<String, Object> eventRow(String decisionId) {
    assertThat(server.bean(DecisionLog.class).awaitIdle(java.time.Duration.ofSeconds(10))).isTrue();
    return org.springframework.jdbc.core.simple.JdbcClient.create(
            server.bean(javax.sql.DataSource.class))
        .sql(
            "select type, partition_key, status, event_compressed from outbox_events where id = :id")
        .param("id", decisionId)
        .query()
        .singleRow();
  }

  /** The CloudEvent stored in {@link #eventRow}'s row. */
  private static JsonNode eventOf(Map<String, Object> row) {
    return tools.jackson.databind.json.JsonMapper.builder()
        .build()
        .readTree(dev.arbiter.db.CompressedJson.decompress((byte[]) row.get("event_compressed")));
  }

  /**
   * A customer without a feature the model needs gets the fallback score, flagged, and the model's
   * breaker stays closed (one channel's data gap does not take the model from every customer); a
   * model that raises an error fails, and five failures in a row open its breaker.
   */
  @Test
  void shouldAnswerWithFallbackScoresWhenAModelKeepsFailingAndReportTheOpenBreaker() {
    String[] ed = auth(editor, DemoSeeder.TENANT);
    server.post(
        "/api/v1/models",
        Map.of(
            "key",
            "needs-income",
            "name",
            "Needs income",
            "type",
            "logistic",
            "config",
            Map.of("intercept", -1, "weights", Map.of("customer.income", 0.0001)),
            "fallbackScore",
            0.02),
        ed);
    publishAppFlow(ed, "fragile", "feed", "needs-income");
    for (int i = 0; i < 6; i++) {
      Response r =
          recommend(
              decision,
              Map.of(
                  "customerId", "c-f" + i, "flowKey", "fragile", "attributes", Map.of("age", 30)));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().path("offers").get(0).path("fallback").asBoolean()).isTrue();
      assertThat(r.json().path("offers").get(0).path("propensity").asDouble()).isEqualTo(0.02);
    }
    Response explained =
        recommend(
            editor,
            Map.of("customerId", "c-f-debug", "flowKey", "fragile", "attributes", Map.of()),
            "X-Debug",
            "true");
    assertThat(
            explained.json().path("trace").path("scores").get(0).path("fallbackReason").asString())
        .startsWith("no_score: ");
    Response withIncome =
        recommend(
            decision,
            Map.of(
                "customerId", "c-ok", "flowKey", "fragile", "attributes", Map.of("income", 50000)));
    assertThat(withIncome.json().path("offers").get(0).path("fallback").asBoolean())
        .as("a missing feature is no failure: the breaker stayed closed, the model scores")
        .isFalse();
    assertThat(withIncome.json().path("offers").get(0).path("propensity").asDouble())
        .isCloseTo(1 / (1 + Math.exp(-4)), org.assertj.core.api.Assertions.within(1e-9));
    assertThat(server.get("/metrics").body())
        .doesNotContain("arbiter_model_failures_total{type=\"logistic\"}");

    server.post(
        "/api/v1/models",
        Map.of(
            "key",
            "raises",
            "name",
            "Raises",
            "type",
            "scorecard",
            "config",
            Map.of(
                "conditions",
                List.of(Map.of("name", "boom", "rule", Map.of("throw", "boom"), "points", 1))),
            "fallbackScore",
            0.03),
        ed);
    publishAppFlow(ed, "brittle", "feed-2", "raises");
    for (int i = 0; i < 6; i++) {
      Response r = recommend(decision, Map.of("customerId", "c-b" + i, "flowKey", "brittle"));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().path("offers").get(0).path("fallback").asBoolean()).isTrue();
      assertThat(r.json().path("offers").get(0).path("propensity").asDouble()).isEqualTo(0.03);
    }
    Response whileOpen =
        recommend(
            editor, Map.of("customerId", "c-b-debug", "flowKey", "brittle"), "X-Debug", "true");
    assertThat(
            whileOpen.json().path("trace").path("scores").get(0).path("fallbackReason").asString())
        .isEqualTo("model_unavailable: the model's circuit breaker is open");
    JsonNode health = server.get("/api/health").json();
    assertThat(health.path("status").asString()).isEqualTo("degraded");
    assertThat(health.path("checks").path("circuitBreakers").path("status").asString())
        .isEqualTo("degraded");
    assertThat(
            health.path("checks").path("circuitBreakers").path("details").path("open").toString())
        .contains("raises")
        .doesNotContain("needs-income");
    assertThat(server.get("/metrics").body())
        .as("five failures opened the breaker; the sixth decision did not call the model")
        .contains("arbiter_model_failures_total{type=\"scorecard\"} 5.0")
        .containsPattern("arbiter_model_circuit_breakers\\{state=\"open\"} [1-9]")
        .containsPattern("arbiter_model_circuit_breaker_transitions_total\\{to=\"open\"} [1-9]");
  }

  /** Publishes a flow of the insurance offers on channel app and {@code placement}. */
  private static void publishAppFlow(String[] ed, String key, String placement, String model) {
    server.post(
        "/api/v1/flows",
        Map.of(
            "key",
            key,
            "name",
            key,
            "channel",
            "app",
            "placement",
            placement,
            "inventory",
            Map.of("categories", List.of("insurance")),
            "modelKey",
            model,
            "maxOffers",
            2),
        ed);
    assertThat(server.post("/api/v1/flows/" + key + "/publish", null, ed).status()).isEqualTo(200);
  }

  /**
   * A dry run answers what Recommend would, with the trace inline, and changes nothing: the cap on
   * decisions it would count against is not used, the budget is not consumed, no event and no trace
   * are stored, and the decision metrics do not count it.
   */
  @Test
  void shouldDecideADryRunWithoutConsequences() throws Exception {
    String[] ed = auth(editor, DemoSeeder.TENANT);
    assertThat(
            server
                .post(
                    "/api/v1/contact-policies",
                    frequencyCap(
                        "one-decision-dry",
                        Map.of("type", "offer", "value", "personal-loan"),
                        "decision",
                        1,
                        "P1D"),
                    ed)
                .status())
        .isEqualTo(201);
    Map<String, Object> body =
        Map.of(
            "customerId",
            "c-dry",
            "flowKey",
            "homepage",
            "attributes",
            Map.of("balance", 9000, "age", 30));
    DecisionLog log = server.bean(DecisionLog.class);
    assertThat(log.awaitIdle(java.time.Duration.ofSeconds(10))).isTrue();
    double eventsBefore = metric("arbiter_decision_log_written_total{kind=\"event\"}");
    double decisionsBefore = metric("arbiter_decision_latency_seconds_count");
    long budgetBefore = budgetUsed("personal-loan");
    for (int i = 0; i < 3; i++) {
      Response dry =
          server.post(
              "/api/v1/recommend/dry-run",
              body,
              ed[0],
              ed[1],
              ed[2],
              ed[3],
              "X-Request-ID",
              "req-dry-" + i);
      assertThat(dry.status()).as(dry.body()).isEqualTo(200);
      assertThat(dry.json().path("decisionId").isNull()).isTrue();
      assertThat(dry.json().has("traceId")).isFalse();
      assertThat(offerKeys(dry)).contains("personal-loan");
      assertThat(dry.json().path("trace").path("stages").isArray()).as(dry.body()).isTrue();
    }
    assertThat(log.awaitIdle(java.time.Duration.ofSeconds(10))).isTrue();
    assertThat(budgetUsed("personal-loan")).as("no budget consumed").isEqualTo(budgetBefore);
    assertThat(metric("arbiter_decision_log_written_total{kind=\"event\"}"))
        .as("no decision event")
        .isEqualTo(eventsBefore);
    assertThat(metric("arbiter_decision_latency_seconds_count"))
        .as("not counted as a decision")
        .isEqualTo(decisionsBefore);
    assertThat(metric("arbiter_decision_dry_runs_total")).isGreaterThanOrEqualTo(3);
    assertThat(
            server
                .get("/api/v1/decision-traces?requestId=req-dry-0", ed)
                .json()
                .path("data")
                .size())
        .as("no trace stored")
        .isZero();
    // the cap of one decision was not used by the dry runs: the first real decision gets the loan
    assertThat(offerKeys(recommend(decision, body))).contains("personal-loan");
    assertThat(offerKeys(recommend(decision, body))).doesNotContain("personal-loan");
    assertThat(budgetUsed("personal-loan")).isEqualTo(budgetBefore + 1);
    // as X-Debug: editors and admins only
    Response refused =
        server.post("/api/v1/recommend/dry-run", body, auth(decision, DemoSeeder.TENANT));
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.code()).isEqualTo("FORBIDDEN_ROLE");
    Response noFlow =
        server.post(
            "/api/v1/recommend/dry-run", Map.of("customerId", "c-dry", "flowKey", "nope"), ed);
    assertThat(noFlow.status()).isEqualTo(404);
    assertThat(noFlow.code()).isEqualTo("FLOW_NOT_FOUND");
  }

  private static double metric(String series) {
    return server
        .get("/metrics")
        .body()
        .lines()
        .filter(l -> l.startsWith(series + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElse(0);
  }

  private static long budgetUsed(String offerKey) {
    return server
        .get("/api/v1/budgets/" + offerKey, auth(editor, DemoSeeder.TENANT))
        .json()
        .path("decisions")
        .asLong();
  }

  @Test
  void shouldCountReturnedOffersAsDecisionsForContactPolicies() {
    String[] ed = auth(editor, DemoSeeder.TENANT);
    Response policy =
        server.post(
            "/api/v1/contact-policies",
            frequencyCap(
                "two-decisions",
                Map.of("type", "offer", "value", "travel-insurance"),
                "decision",
                2,
                "P1D"),
            ed);
    assertThat(policy.status()).as(policy.body()).isEqualTo(201);
    Map<String, Object> body =
        Map.of(
            "customerId",
            "c-capped",
            "flowKey",
            "homepage",
            "attributes",
            Map.of("balance", 100, "age", 40));
    assertThat(offerKeys(recommend(decision, body))).contains("travel-insurance");
    assertThat(offerKeys(recommend(decision, body))).contains("travel-insurance");
    Response third = recommend(editor, body, "X-Debug", "true");
    assertThat(offerKeys(third)).doesNotContain("travel-insurance");
    assertThat(third.json().path("trace").path("stages").toString()).contains("two-decisions");
    assertThat(
            offerKeys(
                recommend(
                    decision,
                    Map.of(
                        "customerId",
                        "c-other",
                        "flowKey",
                        "homepage",
                        "attributes",
                        Map.of("balance", 100, "age", 40)))))
        .as("another customer is not capped")
        .contains("travel-insurance");
  }

  @Test
  void shouldRecordDecisionContactsOnlyWhileAPolicyCountsThem() {
    // a tenant of its own: the demo tenant's policies change as other tests run
    String admin = server.apiKey("quiet", "admin");
    String[] ad = auth(admin, "quiet");
    Response offer =
        server.post(
            "/api/v1/offers",
            Map.of(
                "key", "q-offer", "name", "Q", "category", "q", "status", "active", "priority", 50),
            ad);
    assertThat(offer.status()).as(offer.body()).isEqualTo(201);
    Response impressions =
        server.post(
            "/api/v1/contact-policies",
            frequencyCap("q-impressions", Map.of("type", "offer"), "impression", 3, "P7D"),
            ad);
    assertThat(impressions.status()).as(impressions.body()).isEqualTo(201);
    server.post(
        "/api/v1/flows",
        Map.of(
            "key",
            "q-flow",
            "name",
            "Q",
            "channel",
            "web",
            "placement",
            "q",
            "inventory",
            Map.of("categories", List.of("q")),
            "maxOffers",
            1),
        ad);
    assertThat(server.post("/api/v1/flows/q-flow/publish", null, ad).status()).isEqualTo(200);
    Map<String, Object> body = Map.of("customerId", "c-quiet", "flowKey", "q-flow");
    String tenantId = server.tenantId("quiet");
    var store = server.bean(dev.arbiter.contact.ContactHistoryStore.class);
    for (int i = 0; i < 3; i++) {
      Response r = server.post("/api/v1/recommend", body, ad);
      assertThat(offerKeys(r)).as(r.body()).containsExactly("q-offer");
    }
    assertThat(store.history(tenantId, "c-quiet"))
        .as("no policy counts decisions: nothing to record")
        .isEmpty();

    Response decisions =
        server.post(
            "/api/v1/contact-policies",
            frequencyCap("q-decisions", Map.of("type", "offer"), "decision", 2, "P1D"),
            ad);
    assertThat(decisions.status()).as(decisions.body()).isEqualTo(201);
    var snapshots = server.bean(dev.arbiter.catalog.CatalogSnapshots.class);
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    while (!snapshots.current(tenantId).snapshot().countsOutcome("decision")) {
      assertThat(System.nanoTime()).as("the policy reaches the snapshot").isLessThan(deadline);
      Thread.onSpinWait();
    }
    // counted from then on: the three earlier decisions were not recorded
    assertThat(offerKeys(server.post("/api/v1/recommend", body, ad))).containsExactly("q-offer");
    assertThat(offerKeys(server.post("/api/v1/recommend", body, ad))).containsExactly("q-offer");
    assertThat(offerKeys(server.post("/api/v1/recommend", body, ad))).isEmpty();
    assertThat(store.history(tenantId, "c-quiet"))
        .hasSize(2)
        .allSatisfy(e -> assertThat(e.outcome()).isEqualTo("decision"));
  }

  @Test
  void shouldCountStoredInteractionsForContactPolicies() {
    var jdbc =
        org.springframework.jdbc.core.simple.JdbcClient.create(
            server.bean(javax.sql.DataSource.class));
    String tenantId = server.tenantId(DemoSeeder.TENANT);
    jdbc.sql(
            """
            insert into interactions (id, tenant_id, customer_id, decision_id, offer_key, category, channel,
                                      outcome, occurred_at, recorded_at, idempotency_key)
            values ('i-1', :t, 'c-rejected', 'd-1', 'student-card', 'cards', 'web', 'reject', now() - interval '2 days', now(), 'k-1')
            """)
        .param("t", tenantId)
        .update();
    Response r =
        recommend(
            editor,
            Map.of(
                "customerId",
                "c-rejected",
                "flowKey",
                "homepage",
                "attributes",
                Map.of("balance", 100, "age", 19)),
            "X-Debug",
            "true");
    assertThat(offerKeys(r)).doesNotContain("student-card");
    assertThat(r.json().path("trace").path("stages").toString()).contains("rest-after-reject");
  }

  @Test
  void shouldShowEveryFilterReasonInATrace() {
    String[] ed = auth(editor, DemoSeeder.TENANT);
    java.util.function.BiConsumer<String, Map<String, Object>> offer =
        (key, extra) -> {
          Map<String, Object> body =
              new java.util.HashMap<>(
                  Map.of(
                      "key",
                      key,
                      "name",
                      key,
                      "category",
                      "reasons",
                      "status",
                      "active",
                      "priority",
                      50));
          body.putAll(extra);
          Response r = server.post("/api/v1/offers", body, ed);
          assertThat(r.status()).as(r.body()).isEqualTo(201);
        };
    offer.accept("r-paused", Map.of("status", "paused"));
    offer.accept("r-ended", Map.of("endAt", "2020-01-01T00:00:00Z"));
    offer.accept(
        "r-budget",
        Map.of("budget", Map.of("maxDecisions", 1, "period", "total"), "priority", 100));
    offer.accept("r-rule", Map.of());
    offer.accept("r-capped", Map.of());
    offer.accept("r-app-only", Map.of("channels", List.of("app")));
    offer.accept("r-ok", Map.of("priority", 1));
    server.post(
        "/api/v1/qualification-rules",
        Map.of(
            "key",
            "r-rule-check",
            "name",
            "needs vip",
            "scope",
            Map.of("type", "offer", "value", "r-rule"),
            "expression",
            Map.of("==", List.of(Map.of("var", "customer.vip"), true)),
            "status",
            "active"),
        ed);
    server.post(
        "/api/v1/contact-policies",
        frequencyCap("r-once", Map.of("type", "offer", "value", "r-capped"), "decision", 1, "P1D"),
        ed);
    server.post(
        "/api/v1/flows",
        Map.of(
            "key",
            "reasons",
            "name",
            "Reasons",
            "channel",
            "web",
            "placement",
            "reasons",
            "inventory",
            Map.of("categories", List.of("reasons")),
            "maxOffers",
            10),
        ed);
    assertThat(server.post("/api/v1/flows/reasons/publish", null, ed).status()).isEqualTo(200);

    Map<String, Object> body =
        Map.of("customerId", "c-reasons", "channel", "web", "placement", "reasons");
    assertThat(offerKeys(recommend(decision, body))).contains("r-budget", "r-capped");
    Response traced = recommend(editor, body, "X-Debug", "true");
    assertThat(offerKeys(traced)).containsExactly("r-ok");
    Map<String, String> removedBy = new java.util.HashMap<>();
    for (JsonNode stage : traced.json().path("trace").path("stages")) {
      for (JsonNode removed : stage.path("removed")) {
        removedBy.put(
            removed.path("offerKey").asString(),
            stage.path("stage").asString() + ": " + removed.path("reason").asString());
      }
    }
    assertThat(removedBy.get("r-paused")).startsWith("status: ");
    assertThat(removedBy.get("r-ended")).startsWith("schedule: ").contains("2020-01-01");
    assertThat(removedBy.get("r-budget")).startsWith("budget: ");
    assertThat(removedBy.get("r-rule")).startsWith("qualification: ").contains("r-rule-check");
    assertThat(removedBy.get("r-capped")).startsWith("contact_policy: ").contains("r-once");
    assertThat(removedBy.get("r-app-only")).startsWith("channel: ");
  }

  @Test
  void shouldKeepDebugTracesFromDecisionCredentials() {
    Response r =
        recommend(decision, Map.of("customerId", "c", "flowKey", "homepage"), "X-Debug", "true");
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.code()).isEqualTo("FORBIDDEN_ROLE");
  }

  /**
   * Recommend is served by a servlet of its own, past Spring MVC's dispatcher: the filters still
   * authenticate it, on every spelling of its path, and its route's permission is still checked.
   */
  @Test
  void shouldAuthenticateAndCheckTheRoleOnItsOwnServlet() {
    Map<String, Object> body = Map.of("customerId", "c-servlet", "flowKey", "homepage");
    for (String path : List.of("/api/v1/recommend", "/%61pi/v1/recommend")) {
      Response anonymous = server.post(path, body, "X-Tenant-Id", DemoSeeder.TENANT);
      assertThat(anonymous.status()).as(path).isEqualTo(401);
      assertThat(anonymous.code()).isEqualTo("AUTH_MISSING_TOKEN");
      assertThat(anonymous.header("WWW-Authenticate")).isEqualTo("Bearer");
      assertThat(server.post(path, body, auth(decision, DemoSeeder.TENANT)).status())
          .as(path)
          .isEqualTo(200);
    }
    String viewer = server.apiKey(DemoSeeder.TENANT, "viewer");
    Response refused = recommend(viewer, body);
    assertThat(refused.status()).as(refused.body()).isEqualTo(403);
    assertThat(refused.code()).isEqualTo("FORBIDDEN_ROLE");
    assertThat(refused.json().path("detail").asString()).contains("viewer").contains("decide");
    assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
    assertThat(refused.json().path("requestId").asString())
        .isEqualTo(refused.header("X-Request-ID"));

    // what the controller throws is answered by the application's problem handler, not the
    // container: a problem body with the request's id, the success answer's type reset
    Response missing = recommend(decision, Map.of("customerId", "c", "flowKey", "nope"));
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.header("Content-Type")).startsWith("application/problem+json");
    assertThat(missing.json().path("requestId").asString())
        .isEqualTo(missing.header("X-Request-ID"));
    assertThat(server.get("/metrics").body())
        .containsPattern(
            "http_server_requests_seconds_count\\{[^}]*method=\"POST\"[^}]*"
                + "status=\"404\"[^}]*uri=\"/api/v1/recommend\"");
  }

  @Test
  void shouldNameWhatWasAskedWhenNoFlowServesIt() {
    Response r =
        recommend(decision, Map.of("customerId", "c", "channel", "app", "placement", "nowhere"));
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.code()).isEqualTo("FLOW_NOT_FOUND");
    assertThat(r.json().path("detail").asString()).contains("app").contains("nowhere");
    assertThat(recommend(decision, Map.of("customerId", "c", "flowKey", "nope")).code())
        .isEqualTo("FLOW_NOT_FOUND");
  }

  @Test
  void shouldValidateTheRequest() {
    Response r = recommend(decision, Map.of("limit", 0));
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.json().path("errors").findValuesAsString("field"))
        .contains("customerId", "limit", "flowKey");
  }

  @Test
  void shouldAnswerBadBodiesWithStableCodes() {
    Response truncated = recommend(decision, "{\"customerId\": \"c\", ");
    assertThat(truncated.status()).as(truncated.body()).isEqualTo(400);
    assertThat(truncated.code()).isEqualTo("MALFORMED_JSON");
    assertThat(truncated.json().path("detail").asString()).contains("line 1");
    // not one JSON value: still malformed, not a wrong shape
    for (String notJson : List.of("{\"customerId\": \"c\", \"flowKey\": \"homepage\"} {}", "   ")) {
      Response r = recommend(decision, notJson);
      assertThat(r.status()).as(notJson + " -> " + r.body()).isEqualTo(400);
      assertThat(r.code()).isEqualTo("MALFORMED_JSON");
    }

    // valid JSON of the wrong shape: 422 naming the field, as any other invalid body
    Map<String, String> wrongTypes =
        Map.of(
            "{\"customerId\": \"c\", \"flowKey\": \"homepage\", \"limit\": \"many\"}",
            "limit: must be an integer",
            "{\"customerId\": \"c\", \"flowKey\": \"homepage\", \"attributes\": [1]}",
            "attributes: must be a JSON object",
            "[]",
            "body: must be a JSON object");
    wrongTypes.forEach(
        (wrongType, error) -> {
          Response r = recommend(decision, wrongType);
          assertThat(r.status()).as(wrongType + " -> " + r.body()).isEqualTo(422);
          assertThat(r.code()).isEqualTo("VALIDATION_FAILED");
          JsonNode e = r.json().path("errors").get(0);
          assertThat(e.path("field").asString() + ": " + e.path("message").asString())
              .as(wrongType)
              .isEqualTo(error);
        });

    String[] headers = auth(decision, DemoSeeder.TENANT);
    Response empty = server.post("/api/v1/recommend", null, headers);
    assertThat(empty.status()).as(empty.body()).isEqualTo(422);
    assertThat(empty.json().path("errors").findValuesAsString("field")).contains("body");

    Response text = raw("POST", "text/plain", null, "customerId=c");
    assertThat(text.status()).as(text.body()).isEqualTo(415);
    assertThat(text.code()).isEqualTo("UNSUPPORTED_MEDIA_TYPE");
  }

  @Test
  void shouldCheckMethodMediaTypesAndAcceptAsAnnotatedRoutesDo() {
    String body = "{\"customerId\": \"c-media\", \"flowKey\": \"homepage\"}";
    Response get = raw("GET", null, null, null);
    assertThat(get.status()).as(get.body()).isEqualTo(405);
    assertThat(get.code()).isEqualTo("METHOD_NOT_ALLOWED");
    assertThat(get.header("Allow")).isEqualTo("POST");
    assertThat(get.header("Content-Type")).startsWith("application/problem+json");

    assertThat(raw("POST", "application/json;charset=UTF-8", null, body).status()).isEqualTo(200);
    assertThat(raw("POST", "application/vnd.arbiter+json", null, body).status()).isEqualTo(200);
    for (String type : List.of("text/json", "application/xml", "not a type")) {
      Response r = raw("POST", type, null, body);
      assertThat(r.status()).as(type + " -> " + r.body()).isEqualTo(415);
      assertThat(r.code()).isEqualTo("UNSUPPORTED_MEDIA_TYPE");
    }
    // a chunked body (no Content-Length) is read to its end
    Response chunked =
        send(
            "POST",
            "application/json",
            null,
            java.net.http.HttpRequest.BodyPublishers.ofInputStream(
                () ->
                    new java.io.ByteArrayInputStream(
                        body.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    assertThat(chunked.status()).as(chunked.body()).isEqualTo(200);
    assertThat(chunked.body()).contains("\"decisionId\"");

    Response noType = raw("POST", null, null, body);
    assertThat(noType.status()).as(noType.body()).isEqualTo(415);

    for (String accept :
        List.of("application/json", "*/*", "application/*", "text/html, application/json;q=0.5")) {
      assertThat(raw("POST", "application/json", accept, body).status()).as(accept).isEqualTo(200);
    }
    for (String accept : List.of("text/html", "application/xml", "application/json;q=0")) {
      Response r = raw("POST", "application/json", accept, body);
      assertThat(r.status()).as(accept + " -> " + r.body()).isEqualTo(406);
      assertThat(r.code()).isEqualTo("NOT_ACCEPTABLE");
    }

    // the route, not the raw path, labels the HTTP metrics, as for annotated routes
    assertThat(server.get("/metrics").body())
        .containsPattern(
            "http_server_requests_seconds_count\\{[^}]*method=\"POST\"[^}]*"
                + "status=\"200\"[^}]*uri=\"/api/v1/recommend\"");
  }

  /** A request with exactly these headers (null leaves one out) and the decision key. */
  private static Response raw(String method, String contentType, String accept, String body) {
    return send(
        method,
        contentType,
        accept,
        body == null
            ? java.net.http.HttpRequest.BodyPublishers.noBody()
            : java.net.http.HttpRequest.BodyPublishers.ofString(body));
  }

  private static Response send(
      String method,
      String contentType,
      String accept,
      java.net.http.HttpRequest.BodyPublisher body) {
    java.net.http.HttpRequest.Builder b =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(server.baseUrl() + "/api/v1/recommend"))
            .method(method, body);
    String[] headers = auth(decision, DemoSeeder.TENANT);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (accept != null) {
      b.header("Accept", accept);
    }
    try (java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient()) {
      java.net.http.HttpResponse<String> r =
          client.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.headers().map(), r.body());
    } catch (java.io.IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void shouldAnswerWithALengthNotChunks() {
    Response r =
        recommend(
            decision,
            Map.of("customerId", "c-len", "flowKey", "homepage", "attributes", Map.of("age", 30)));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.header("Content-Type")).startsWith("application/json");
    assertThat(r.header("Content-Length"))
        .isEqualTo(
            String.valueOf(r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length));
  }

  @Test
  void shouldCountDecisionsInMetrics() {
    recommend(
        decision,
        Map.of(
            "customerId",
            "c-m",
            "flowKey",
            "homepage",
            "attributes",
            Map.of("balance", 9000, "age", 30)));
    String metrics = server.get("/metrics").body();
    assertThat(metrics)
        .contains("arbiter_decision_latency_seconds_count")
        .contains("arbiter_decision_stage_latency_seconds_bucket{stage=\"qualification\"")
        .contains("arbiter_decision_offers_removed_total{stage=\"status\"}")
        .contains("arbiter_decision_offers_evaluated_count");
    // stages are measured in nanoseconds: summed over the stages, not whole microseconds
    double stageSeconds =
        metrics
            .lines()
            .filter(l -> l.startsWith("arbiter_decision_stage_latency_seconds_sum{"))
            .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
            .sum();
    assertThat(stageSeconds).isPositive();
    assertThat(Math.round(stageSeconds * 1e9) % 1_000).isNotZero();
  }
}
