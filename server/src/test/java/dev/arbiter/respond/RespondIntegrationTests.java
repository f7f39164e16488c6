package dev.arbiter.respond;

import static dev.arbiter.testsupport.TestServer.auth;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.arbiter.decision.DecisionLog;
import dev.arbiter.demo.DemoSeeder;
import dev.arbiter.engine.scoring.Learning;
import dev.arbiter.testsupport.TestDatabase;
import dev.arbiter.testsupport.TestServer;
import dev.arbiter.testsupport.TestServer.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Respond over HTTP on the demo catalog against real PostgreSQL: idempotency, checks against the
 * decision, one transaction for everything, learning, cost charges, contact history, outcome types.
 */
class RespondIntegrationTests {
  static TestServer server;
  static String admin;
  static String editor;
  static String viewer;
  static String decision;
  static JdbcClient jdbc;
  static String tenantId;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    server.bean(DemoSeeder.class).seed();
    admin = server.apiKey(DemoSeeder.TENANT, "admin");
    editor = server.apiKey(DemoSeeder.TENANT, "editor");
    viewer = server.apiKey(DemoSeeder.TENANT, "viewer");
    decision = server.apiKey(DemoSeeder.TENANT, "decision");
    jdbc = JdbcClient.create(server.bean(DataSource.class));
    tenantId = jdbc.sql("select id from tenants where key = 'demo'").query(String.class).single();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String[] headers(String key, String... extra) {
    String[] h = auth(key, DemoSeeder.TENANT);
    String[] all = new String[h.length + extra.length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(extra, 0, all, h.length, extra.length);
    return all;
  }

  /** A decision for a customer the demo flow offers gold-card, personal-loan and others. */
  static JsonNode recommend(TestServer on, String key, String customerId) {
    Response r =
        on.post(
            "/api/v1/recommend",
            Map.of(
                "customerId",
                customerId,
                "flowKey",
                "homepage",
                "limit",
                5,
                "attributes",
                Map.of("balance", 12000, "age", 40)),
            auth(key, DemoSeeder.TENANT));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  static String firstOffer(JsonNode decision) {
    return decision.path("offers").get(0).path("offerKey").asString();
  }

  static Response respond(String key, Map<String, Object> body, String idempotencyKey) {
    return respond(server, key, body, idempotencyKey);
  }

  static Response respond(
      TestServer on, String key, Map<String, Object> body, String idempotencyKey) {
    String[] h =
        idempotencyKey == null
            ? auth(key, DemoSeeder.TENANT)
            : headers(key, "Idempotency-Key", idempotencyKey);
    return on.post("/api/v1/respond", body, h);
  }

  static Map<String, Object> outcome(JsonNode d, String offerKey, String outcome) {
    Map<String, Object> body = new HashMap<>();
    body.put("decisionId", d.path("decisionId").asString());
    body.put("offerKey", offerKey);
    body.put("customerId", CUSTOMERS.get(d.path("decisionId").asString()));
    body.put("outcome", outcome);
    return body;
  }

  /** Decision id to the customer it was made for. */
  private static final Map<String, String> CUSTOMERS =
      new java.util.concurrent.ConcurrentHashMap<>();

  static JsonNode decide(String customerId) {
    JsonNode d = recommend(server, decision, customerId);
    CUSTOMERS.put(d.path("decisionId").asString(), customerId);
    return d;
  }

  static long count(String sql, Object... params) {
    var spec = jdbc.sql(sql);
    for (int i = 0; i < params.length; i++) {
      spec = spec.param(i + 1, params[i]);
    }
    return spec.query(Long.class).single();
  }

  @Test
  void shouldRecordAnOutcomeOnceAndAnswerItsRetriesWithTheSameBody() {
    JsonNode d = decide("r-once");
    String offer = firstOffer(d);
    String key = UUID.randomUUID().toString();
    Response first = respond(decision, outcome(d, offer, "click"), key);
    assertThat(first.status()).as(first.body()).isEqualTo(201);
    JsonNode body = first.json();
    String interactionId = body.path("interactionId").asString();
    assertThat(interactionId).isNotBlank();
    assertThat(body.path("decisionId").asString()).isEqualTo(d.path("decisionId").asString());
    assertThat(body.path("offerKey").asString()).isEqualTo(offer);
    assertThat(body.path("outcome").asString()).isEqualTo("click");
    assertThat(Instant.parse(body.path("recordedAt").asString())).isBeforeOrEqualTo(Instant.now());

    Response retry = respond(decision, outcome(d, offer, "click"), key);
    assertThat(retry.status()).as(retry.body()).isEqualTo(200);
    assertThat(retry.body()).as("the same body, byte for byte").isEqualTo(first.body());

    // The key may also come in the body.
    Map<String, Object> withBodyKey = outcome(d, offer, "click");
    withBodyKey.put("idempotencyKey", key);
    Response bodyRetry = respond(decision, withBodyKey, null);
    assertThat(bodyRetry.status()).as(bodyRetry.body()).isEqualTo(200);
    assertThat(bodyRetry.json()).isEqualTo(body);

    assertThat(
            count(
                "select count(*) from interactions where decision_id = ?",
                d.path("decisionId").asString()))
        .isEqualTo(1);
    Map<String, Object> row =
        jdbc.sql(
                "select type, partition_key, status, event_compressed from outbox_events where id = ?")
            .param(interactionId)
            .query()
            .singleRow();
    assertThat(row.get("type")).isEqualTo("interaction.recorded.v1");
    assertThat(row.get("partition_key")).isEqualTo("demo:r-once");
    JsonNode event =
        JsonMapper.builder()
            .build()
            .readTree(
                dev.arbiter.db.CompressedJson.decompress((byte[]) row.get("event_compressed")));
    assertThat(event.path("specversion").asString()).isEqualTo("1.0");
    assertThat(event.path("id").asString()).isEqualTo(interactionId);
    assertThat(event.path("source").asString()).isEqualTo("/arbiter/tenants/demo");
    assertThat(event.path("subject").asString()).isEqualTo("r-once");
    assertThat(event.path("data").path("decisionId").asString())
        .isEqualTo(d.path("decisionId").asString());
    assertThat(event.path("data").path("outcome").asString()).isEqualTo("click");
    assertThat(event.path("data").path("classification").asString()).isEqualTo("positive");
    assertThat(event.path("data").path("channel").asString()).isEqualTo("web");

    String metrics = server.get("/metrics").body();
    assertThat(metrics)
        .contains("arbiter_interactions_recorded_total{classification=\"positive\"}")
        .contains("arbiter_respond_replays_total")
        .contains("arbiter_respond_duration_seconds_bucket")
        .contains("arbiter_model_updates_total");
  }

  @Test
  void shouldRequireAnIdempotencyKeyAndRefuseOneReusedForAnotherRequest() {
    JsonNode d = decide("r-keys");
    String offer = firstOffer(d);
    Response missing = respond(decision, outcome(d, offer, "click"), null);
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.code()).isEqualTo("IDEMPOTENCY_KEY_REQUIRED");

    String key = UUID.randomUUID().toString();
    assertThat(respond(decision, outcome(d, offer, "click"), key).status()).isEqualTo(201);
    Response reused = respond(decision, outcome(d, offer, "reject"), key);
    assertThat(reused.status()).as(reused.body()).isEqualTo(409);
    assertThat(reused.code()).isEqualTo("IDEMPOTENCY_KEY_REUSED");

    Map<String, Object> both = outcome(d, offer, "click");
    both.put("idempotencyKey", "other");
    Response conflicting = respond(decision, both, key);
    assertThat(conflicting.status()).isEqualTo(422);
    assertThat(conflicting.body()).contains("idempotencyKey");
  }

  @Test
  void shouldCheckTheOutcomeAgainstWhatTheDecisionReturned() {
    JsonNode d = decide("r-check");
    String offer = firstOffer(d);

    Map<String, Object> unknown = outcome(d, offer, "click");
    unknown.put("decisionId", "0192f0c4-7d1e-7000-8000-000000000000");
    Response notFound = respond(decision, unknown, UUID.randomUUID().toString());
    assertThat(notFound.status()).as(notFound.body()).isEqualTo(404);
    assertThat(notFound.code()).isEqualTo("DECISION_NOT_FOUND");

    Map<String, Object> garbage = outcome(d, offer, "click");
    garbage.put("decisionId", "not-an-id");
    assertThat(respond(decision, garbage, UUID.randomUUID().toString()).code())
        .isEqualTo("DECISION_NOT_FOUND");

    Map<String, Object> otherCustomer = outcome(d, offer, "click");
    otherCustomer.put("customerId", "someone-else");
    Response mismatch = respond(decision, otherCustomer, UUID.randomUUID().toString());
    assertThat(mismatch.status()).isEqualTo(422);
    assertThat(mismatch.code()).isEqualTo("DECISION_MISMATCH");
    assertThat(mismatch.json().path("errors").findValuesAsString("field")).contains("customerId");

    Response notReturned =
        respond(decision, outcome(d, "student-card", "click"), UUID.randomUUID().toString());
    assertThat(notReturned.status()).isEqualTo(422);
    assertThat(notReturned.code()).isEqualTo("DECISION_MISMATCH");
    assertThat(notReturned.json().path("errors").findValuesAsString("field")).contains("offerKey");

    Response badOutcome =
        respond(decision, outcome(d, offer, "purchased"), UUID.randomUUID().toString());
    assertThat(badOutcome.status()).isEqualTo(422);
    assertThat(badOutcome.body()).contains("outcome-types");

    // Another tenant cannot see the decision at all.
    String otherKey = server.apiKey("other-tenant", "decision");
    Response foreign =
        server.post(
            "/api/v1/respond",
            outcome(d, offer, "click"),
            "Authorization",
            "Bearer " + otherKey,
            "X-Tenant-Id",
            "other-tenant",
            "Idempotency-Key",
            UUID.randomUUID().toString());
    assertThat(foreign.status()).isEqualTo(404);
    assertThat(foreign.code()).isEqualTo("DECISION_NOT_FOUND");

    assertThat(count("select count(*) from interactions where customer_id = 'r-check'")).isZero();
  }

  @Test
  void shouldValidateTheRequestWithFieldErrors() {
    JsonNode d = decide("r-valid");
    String offer = firstOffer(d);
    Response empty = respond(decision, Map.of(), "k-empty");
    assertThat(empty.status()).isEqualTo(422);
    assertThat(empty.code()).isEqualTo("VALIDATION_FAILED");
    assertThat(empty.json().path("errors").findValuesAsString("field"))
        .contains("decisionId", "offerKey", "customerId", "outcome");

    Map<String, Object> bad = outcome(d, offer, "click");
    bad.put("occurredAt", "yesterday");
    bad.put("value", "lots");
    bad.put("colour", "red");
    Response r = respond(decision, bad, "k-bad");
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.json().path("errors").findValuesAsString("field"))
        .contains("occurredAt", "value", "colour");

    Map<String, Object> future = outcome(d, offer, "click");
    future.put("occurredAt", Instant.now().plus(Duration.ofHours(1)).toString());
    assertThat(respond(decision, future, "k-future").body()).contains("in the future");

    Map<String, Object> before = outcome(d, offer, "click");
    before.put("occurredAt", Instant.now().minus(Duration.ofDays(1)).toString());
    assertThat(respond(decision, before, "k-before").body()).contains("before the decision");

    Map<String, Object> ok = outcome(d, offer, "convert");
    ok.put("value", 125.5);
    ok.put("occurredAt", Instant.now().minusSeconds(1).toString());
    Response good = respond(decision, ok, "k-good");
    assertThat(good.status()).as(good.body()).isEqualTo(201);
    assertThat(
            count(
                "select count(*) from interactions where customer_id = 'r-valid' and value = 125.5"))
        .isEqualTo(1);
  }

  @Test
  void shouldLetOnlyDecisionEditorAndAdminCredentialsRespond() {
    JsonNode d = decide("r-roles");
    Response asViewer = respond(viewer, outcome(d, firstOffer(d), "click"), "k-viewer");
    assertThat(asViewer.status()).isEqualTo(403);
    Response asAdmin = respond(admin, outcome(d, firstOffer(d), "click"), "k-admin");
    assertThat(asAdmin.status()).as(asAdmin.body()).isEqualTo(201);
  }

  @Test
  void shouldNeverLoseAModelUpdateUnderConcurrentResponds() throws Exception {
    int threads = 8;
    int perThread = 10;
    List<JsonNode> decisions = new ArrayList<>();
    for (int i = 0; i < threads * perThread; i++) {
      decisions.add(decide("r-conc-" + i));
    }
    String offer = "gold-card";
    double alphaBefore = alpha(offer);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (JsonNode d : decisions) {
        assertThat(d.path("offers").findValuesAsString("offerKey")).contains(offer);
        results.add(
            pool.submit(
                () ->
                    respond(decision, outcome(d, offer, "accept"), UUID.randomUUID().toString())
                        .status()));
      }
      for (Future<Integer> f : results) {
        assertThat(f.get()).isEqualTo(201);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(alpha(offer) - alphaBefore).isEqualTo(threads * perThread);
  }

  static double alpha(String offer) {
    return jdbc.sql(
            "select coalesce(sum(alpha), 0) from model_beta_counts where model_key = 'homepage-bandit'"
                + " and level = 'offer' and key = ?")
        .param(offer)
        .query(Double.class)
        .single();
  }

  @Test
  void shouldTeachModelsFromResponsesButNotFromImpressions() {
    JsonNode d = decide("r-learn");
    String offer = firstOffer(d);
    double alpha = alpha(offer);
    double beta =
        jdbc.sql(
                "select coalesce(sum(beta), 0) from model_beta_counts where model_key = 'homepage-bandit' and level = 'global'")
            .query(Double.class)
            .single();
    assertThat(respond(decision, outcome(d, offer, "impression"), "k-imp").status()).isEqualTo(201);
    assertThat(alpha(offer)).isEqualTo(alpha);
    assertThat(respond(decision, outcome(d, offer, "reject"), "k-rej").status()).isEqualTo(201);
    assertThat(alpha(offer)).isEqualTo(alpha);
    assertThat(
            jdbc.sql(
                    "select coalesce(sum(beta), 0) from model_beta_counts where model_key = 'homepage-bandit' and level = 'global'")
                .query(Double.class)
                .single())
        .isEqualTo(beta + 1);
  }

  @Test
  void shouldCountARejectInTheNextDecisionsContactPolicies() {
    JsonNode d = decide("r-cooldown");
    List<String> offered = d.path("offers").findValuesAsString("offerKey");
    assertThat(offered).contains("gold-card");
    assertThat(respond(decision, outcome(d, "gold-card", "reject"), "k-cool").status())
        .isEqualTo(201);
    JsonNode next = decide("r-cooldown");
    assertThat(next.path("offers").findValuesAsString("offerKey")).doesNotContain("gold-card");
  }

  @Test
  void shouldChargeAnOffersCostOnceAtItsFirstPositiveOutcome() {
    JsonNode d = decide("r-cost");
    assertThat(d.path("offers").findValuesAsString("offerKey")).contains("personal-loan");
    String id = d.path("decisionId").asString();
    assertThat(respond(decision, outcome(d, "personal-loan", "reject"), "k-c0").status())
        .isEqualTo(201);
    assertThat(count("select count(*) from decision_charges where decision_id = ?", id)).isZero();
    assertThat(respond(decision, outcome(d, "personal-loan", "click"), "k-c1").status())
        .isEqualTo(201);
    assertThat(respond(decision, outcome(d, "personal-loan", "convert"), "k-c2").status())
        .isEqualTo(201);
    assertThat(
            jdbc.sql("select cost from decision_charges where decision_id = ?")
                .param(id)
                .query(java.math.BigDecimal.class)
                .list())
        .singleElement()
        .satisfies(c -> assertThat(c).isEqualByComparingTo("30"));
    // gold-card has a cost but no budget: nothing to charge it to.
    assertThat(respond(decision, outcome(d, "gold-card", "click"), "k-c3").status()).isEqualTo(201);
    assertThat(count("select count(*) from decision_charges where decision_id = ?", id))
        .isEqualTo(1);
  }

  @Test
  void shouldKeepNothingWhenAnyPartOfTheTransactionFails() {
    JsonNode d = decide("r-boom");
    String offer = firstOffer(d);
    double alpha = alpha(offer);
    jdbc.sql(
            """
            create or replace function test_outbox_boom() returns trigger language plpgsql as $$
            begin
              if new.type = 'interaction.recorded.v1' and new.partition_key = 'demo:r-boom' then
                raise exception 'outbox insert refused by test';
              end if;
              return new;
            end $$
            """)
        .update();
    jdbc.sql(
            "create trigger test_outbox_boom before insert on outbox_events"
                + " for each row execute function test_outbox_boom()")
        .update();
    try {
      Response failed = respond(decision, outcome(d, offer, "accept"), "k-boom");
      assertThat(failed.status()).as(failed.body()).isEqualTo(500);
      assertThat(failed.json().path("errorId").asString()).isNotBlank();
      assertThat(count("select count(*) from interactions where customer_id = 'r-boom'")).isZero();
      assertThat(count("select count(*) from respond_idempotency where idempotency_key = 'k-boom'"))
          .isZero();
      assertThat(alpha(offer)).isEqualTo(alpha);
    } finally {
      jdbc.sql("drop trigger test_outbox_boom on outbox_events").update();
    }
    Response retried = respond(decision, outcome(d, offer, "accept"), "k-boom");
    assertThat(retried.status()).as(retried.body()).isEqualTo(201);
    assertThat(count("select count(*) from interactions where customer_id = 'r-boom'"))
        .isEqualTo(1);
    assertThat(alpha(offer)).isEqualTo(alpha + 1);
  }

  @Test
  void shouldRecordEachOfManyConcurrentDuplicatesOnce() throws Exception {
    JsonNode d = decide("r-dupes");
    String offer = firstOffer(d);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Response>> results = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        results.add(pool.submit(() -> respond(decision, outcome(d, offer, "click"), "k-dupe")));
      }
      List<String> ids = new ArrayList<>();
      int created = 0;
      for (Future<Response> f : results) {
        Response r = f.get();
        assertThat(r.status()).as(r.body()).isIn(200, 201);
        created += r.status() == 201 ? 1 : 0;
        ids.add(r.json().path("interactionId").asString());
      }
      assertThat(created).isEqualTo(1);
      assertThat(ids).containsOnly(ids.get(0));
    } finally {
      pool.shutdownNow();
    }
    assertThat(count("select count(*) from interactions where customer_id = 'r-dupes'"))
        .isEqualTo(1);
  }

  @Test
  void shouldManageTenantOutcomeTypesAndUseThemInRespond() {
    String[] ed = auth(editor, DemoSeeder.TENANT);
    Response list = server.get("/api/v1/outcome-types", ed);
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json().path("data").findValuesAsString("key"))
        .contains("impression", "click", "accept", "convert", "reject", "dismiss");
    assertThat(list.json().path("pagination").path("hasMore").asBoolean()).isFalse();
    // by key, a page at a time
    Response firstTwo = server.get("/api/v1/outcome-types?limit=2", ed);
    assertThat(firstTwo.json().path("data").findValuesAsString("key"))
        .containsExactly("accept", "click");
    assertThat(firstTwo.json().path("pagination").path("hasMore").asBoolean()).isTrue();
    Response next =
        server.get(
            "/api/v1/outcome-types?limit=2&cursor="
                + firstTwo.json().path("pagination").path("nextCursor").asString(),
            ed);
    assertThat(next.json().path("data").findValuesAsString("key"))
        .containsExactly("convert", "dismiss");

    Response created =
        server.post(
            "/api/v1/outcome-types",
            Map.of("key", "save-for-later", "name", "Saved", "classification", "neutral"),
            ed);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.json().path("rowVersion").asLong()).isEqualTo(1);
    assertThat(created.json().path("builtIn").asBoolean()).isFalse();
    assertThat(
            server
                .post(
                    "/api/v1/outcome-types",
                    Map.of("key", "save-for-later", "name", "Again", "classification", "neutral"),
                    ed)
                .code())
        .isEqualTo("DUPLICATE_KEY");
    assertThat(
            server
                .post(
                    "/api/v1/outcome-types",
                    Map.of("key", "click", "name", "Mine", "classification", "neutral"),
                    ed)
                .code())
        .isEqualTo("DUPLICATE_KEY");
    Response invalid =
        server.post(
            "/api/v1/outcome-types",
            Map.of("key", "Bad Key", "classification", "great", "extra", 1),
            ed);
    assertThat(invalid.status()).isEqualTo(422);
    assertThat(invalid.json().path("errors").findValuesAsString("field"))
        .contains("key", "name", "classification", "extra");
    assertThat(
            server
                .post(
                    "/api/v1/outcome-types",
                    Map.of("key", "x", "name", "X", "classification", "neutral"),
                    auth(viewer, DemoSeeder.TENANT))
                .status())
        .isEqualTo(403);

    JsonNode d = decide("r-custom");
    String offer = firstOffer(d);
    double alpha = alpha(offer);
    Response r = respond(decision, outcome(d, offer, "save-for-later"), "k-save");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(alpha(offer)).as("neutral outcomes teach nothing").isEqualTo(alpha);

    Response stale =
        server.put(
            "/api/v1/outcome-types/save-for-later",
            Map.of("name", "Saved", "classification", "positive", "rowVersion", 7),
            ed);
    assertThat(stale.code()).isEqualTo("ROW_VERSION_CONFLICT");
    Response updated =
        server.put(
            "/api/v1/outcome-types/save-for-later",
            Map.of("name", "Saved", "classification", "positive", "rowVersion", 1),
            ed);
    assertThat(updated.status()).as(updated.body()).isEqualTo(200);
    assertThat(updated.json().path("classification").asString()).isEqualTo("positive");
    assertThat(updated.json().path("rowVersion").asLong()).isEqualTo(2);

    assertThat(server.delete("/api/v1/outcome-types/click", ed).code())
        .isEqualTo("BUILT_IN_OUTCOME_TYPE");
    assertThat(server.get("/api/v1/outcome-types/click", ed).json().path("learns").asBoolean())
        .isTrue();
    assertThat(server.get("/api/v1/outcome-types/impression", ed).json().path("learns").asBoolean())
        .isFalse();

    // A type a contact policy counts cannot be deleted.
    Response policy =
        server.post(
            "/api/v1/contact-policies",
            Map.of(
                "key",
                "rest-after-save",
                "name",
                "Rest after save",
                "type",
                "cooldown",
                "scope",
                Map.of("type", "offer"),
                "config",
                Map.of("outcome", "save-for-later", "duration", "P1D"),
                "status",
                "inactive"),
            ed);
    assertThat(policy.status()).as(policy.body()).isEqualTo(201);
    Response inUse = server.delete("/api/v1/outcome-types/save-for-later", ed);
    assertThat(inUse.status()).isEqualTo(409);
    assertThat(inUse.code()).isEqualTo("RESOURCE_IN_USE");
    assertThat(server.delete("/api/v1/contact-policies/rest-after-save", ed).status())
        .isEqualTo(204);
    assertThat(server.delete("/api/v1/outcome-types/save-for-later", ed).status()).isEqualTo(204);
    assertThat(server.get("/api/v1/outcome-types/save-for-later", ed).status()).isEqualTo(404);
  }

  @Test
  void shouldAcceptAnOutcomeOnAnotherNodeRightAfterTheRecommend() {
    Map<String, String> env = Map.of("DATABASE_URL", TestDatabase.newDatabase());
    try (TestServer a = TestServer.startWithEnv(env);
        TestServer b = TestServer.startWithEnv(env)) {
      a.bean(DemoSeeder.class).seed();
      String keyA = a.apiKey(DemoSeeder.TENANT, "decision");
      String keyB = b.apiKey(DemoSeeder.TENANT, "decision");
      for (int i = 0; i < 5; i++) {
        JsonNode d = recommend(a, keyA, "r-node-" + i);
        Map<String, Object> body = new HashMap<>();
        body.put("decisionId", d.path("decisionId").asString());
        body.put("offerKey", firstOffer(d));
        body.put("customerId", "r-node-" + i);
        body.put("outcome", "click");
        Response r = respond(b, keyB, body, "k-node-" + i);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
      }
      assertThat(a.bean(DecisionLog.class).awaitIdle(Duration.ofSeconds(10))).isTrue();
    }
  }

  @Test
  void shouldFoldANaiveBayesOutcomeIntoTheBinsTheOfferWasScoredIn() {
    naiveBayesFlow("nb-model", "nb-flow", "nb");
    String decisionId = naiveBayesDecision("nb-flow", "r-nb");
    Response accepted = accept(decisionId, "r-nb", "k-nb");
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(201);
    assertThat(binCounts("nb-model")).containsExactly(":-1:1:0", "balance:2:1:0", "segment:1:1:0");
  }

  /**
   * A request naming only the flow is scored with the flow's channel and placement (rules and
   * models read them as {@code request.*}); its outcome counts in the bins of those values, not in
   * a predictor's missing bin, which would learn what the bin the offer is scored in never does.
   */
  @Test
  void shouldFoldAnOutcomeIntoTheBinsOfTheFlowsPlacementWhenTheRequestNamesOnlyTheFlow() {
    naiveBayesFlow(
        naiveBayesModelOf(
            "nb-placed",
            List.of(
                Map.of(
                    "name",
                    "where",
                    "path",
                    "request.placement",
                    "type",
                    "symbolic",
                    "values",
                    List.of("elsewhere", "nb-placed")),
                Map.of(
                    "name",
                    "via",
                    "path",
                    "request.channel",
                    "type",
                    "symbolic",
                    "values",
                    List.of("app", "web")))),
        "nb-placed-flow",
        "nb-placed");
    String decisionId = naiveBayesDecision("nb-placed-flow", "r-nb-placed");
    Response accepted = accept(decisionId, "r-nb-placed", "k-nb-placed");
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(201);
    assertThat(binCounts("nb-placed")).containsExactly(":-1:1:0", "via:0:1:0", "where:1:1:0");
  }

  /**
   * A model given another type after a decision: the outcome of that decision does not teach the
   * new model (its evidence was reset after the decision), and counts as skipped.
   */
  @Test
  void shouldNotTeachAModelRetypedSinceTheDecision() {
    naiveBayesFlow("nb-retyped", "nb-retyped-flow", "nb-retyped");
    String before = naiveBayesDecision("nb-retyped-flow", "r-nb-retyped");
    updateModel(
        "nb-retyped",
        Map.of(
            "key",
            "nb-retyped",
            "name",
            "Now a bandit",
            "type",
            "thompson",
            "config",
            Map.of(),
            "fallbackScore",
            0.3));
    double skipped = updates("thompson", "skipped");

    Response late = accept(before, "r-nb-retyped", "k-nb-retyped");

    assertThat(late.status()).as(late.body()).isEqualTo(201);
    assertThat(
            jdbc.sql("select count(*) from model_beta_counts where model_key = 'nb-retyped'")
                .query(Long.class)
                .single())
        .isZero();
    assertThat(updates("thompson", "skipped")).isEqualTo(skipped + 1);
    // a decision made after the change teaches it
    String after = naiveBayesDecision("nb-retyped-flow", "r-nb-retyped");
    assertThat(accept(after, "r-nb-retyped", "k-nb-retyped-2").status()).isEqualTo(201);
    assertThat(
            jdbc.sql("select count(*) from model_beta_counts where model_key = 'nb-retyped'")
                .query(Long.class)
                .single())
        .isPositive();
  }

  /**
   * What a model has learned, over HTTP: a naive Bayes model's counts per offer and bin with the
   * base rate, a Thompson model's posteriors and the level each offer's draw comes from.
   */
  @Test
  void shouldShowWhatAModelHasLearned() {
    String[] asViewer = auth(viewer, DemoSeeder.TENANT);
    naiveBayesFlow("nb-view", "nb-view-flow", "nb-view");
    assertThat(
            accept(naiveBayesDecision("nb-view-flow", "r-nb-view"), "r-nb-view", "k-nb-view")
                .status())
        .isEqualTo(201);
    JsonNode nb = server.get("/api/v1/models/nb-view/state", asViewer).json();
    assertThat(nb.path("type").asString()).isEqualTo("naive_bayes");
    assertThat(nb.path("predictors").findValuesAsString("name"))
        .containsExactly("balance", "segment");
    JsonNode gold = nb.path("offers").get(0);
    assertThat(gold.path("offerKey").asString()).isEqualTo("gold-card");
    assertThat(gold.path("positives").asLong()).isEqualTo(1);
    assertThat(gold.path("negatives").asLong()).isZero();
    assertThat(gold.path("baseRate").asDouble()).isCloseTo(2 / 3.0, within(1e-12));
    // balance 12000, cut at 1000 and 10000: the third of four bins; segment silver: the second
    assertThat(gold.path("bins").path("balance").toString()).isEqualTo("[[0,0],[0,0],[1,0],[0,0]]");
    assertThat(gold.path("bins").path("segment").toString()).isEqualTo("[[0,0],[1,0],[0,0],[0,0]]");

    naiveBayesFlow(
        Map.of(
            "key",
            "ts-view",
            "name",
            "TS",
            "type",
            "thompson",
            "config",
            Map.of("prior", Map.of("alpha", 1, "beta", 1), "minEvidence", 1),
            "fallbackScore",
            0.3),
        "ts-view-flow",
        "ts-view");
    assertThat(
            accept(naiveBayesDecision("ts-view-flow", "r-ts-view"), "r-ts-view", "k-ts-view")
                .status())
        .isEqualTo(201);
    JsonNode ts = server.get("/api/v1/models/ts-view/state", asViewer).json();
    assertThat(ts.path("prior").path("alpha").asDouble()).isEqualTo(1);
    assertThat(ts.path("global").path("evidence").asDouble()).isEqualTo(1);
    Map<String, JsonNode> byOffer = new HashMap<>();
    ts.path("offers").forEach(o -> byOffer.put(o.path("offerKey").asString(), o));
    assertThat(byOffer).containsOnlyKeys("gold-card", "travel-insurance");
    JsonNode learned = byOffer.get("gold-card");
    assertThat(learned.path("sampledFrom").asString()).isEqualTo("offer");
    assertThat(learned.path("alpha").asDouble()).isEqualTo(2);
    assertThat(learned.path("beta").asDouble()).isEqualTo(1);
    assertThat(learned.path("mean").asDouble()).isCloseTo(2 / 3.0, within(1e-12));
    assertThat(byOffer.get("travel-insurance").path("sampledFrom").asString())
        .as("no evidence of its own or of its category: the global posterior")
        .isEqualTo("global");

    assertThat(server.get("/api/v1/models/no-such-model/state", asViewer).status()).isEqualTo(404);
  }

  private double updates(String type, String result) {
    var counter =
        server
            .bean(io.micrometer.core.instrument.MeterRegistry.class)
            .find("arbiter.model.updates")
            .tags("type", type, "result", result)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  /**
   * Cut points moved, the bin count the same: a decision made before the change recorded bin 2 of
   * the old cuts, which is not bin 2 of the new ones, so its outcome is not counted; a decision
   * made after the change is.
   */
  @Test
  void shouldNotCountAnOutcomeInBinsWhosePredictorChangedSinceTheDecision() {
    naiveBayesFlow("nb-moved", "nb-moved-flow", "nb-moved");
    String before = naiveBayesDecision("nb-moved-flow", "r-nb-moved");
    updateModel("nb-moved", naiveBayesModel("nb-moved", List.of(5000, 50000)));

    // the next read of the catalog on this node is the changed one (this write announced it)
    double skipped = modelUpdates("skipped");
    Response late = accept(before, "r-nb-moved", "k-nb-moved-1");
    assertThat(late.status()).as(late.body()).isEqualTo(201);
    assertThat(binCounts("nb-moved")).isEmpty();
    assertThat(modelUpdates("skipped")).isEqualTo(skipped + 1);

    String after = naiveBayesDecision("nb-moved-flow", "r-nb-moved");
    Response counted = accept(after, "r-nb-moved", "k-nb-moved-2");
    assertThat(counted.status()).as(counted.body()).isEqualTo(201);
    // 12000 is in [5000, 50000): bin 1 of the new cuts
    assertThat(binCounts("nb-moved")).containsExactly(":-1:1:0", "balance:1:1:0", "segment:1:1:0");
  }

  /**
   * A predictor removed, the other unchanged: an outcome of a decision made before still counts in
   * the offer's totals and in the predictor that bins as it did.
   */
  @Test
  void shouldCountAnOutcomeInThePredictorsThatStillBinAsTheyDid() {
    naiveBayesFlow("nb-dropped", "nb-dropped-flow", "nb-dropped");
    String before = naiveBayesDecision("nb-dropped-flow", "r-nb-dropped");
    updateModel(
        "nb-dropped",
        naiveBayesModelOf(
            "nb-dropped",
            List.of(Map.of("name", "balance", "type", "numeric", "bins", List.of(1000, 10000)))));

    Response late = accept(before, "r-nb-dropped", "k-nb-dropped");

    assertThat(late.status()).as(late.body()).isEqualTo(201);
    assertThat(binCounts("nb-dropped")).containsExactly(":-1:1:0", "balance:2:1:0");
  }

  /**
   * A node that has not yet seen a predictor change (its catalog is older than the reset the change
   * made) bins an outcome with the old predictor, whose fingerprint it still takes for current. The
   * statement adds bins only where no newer reset covers the predictor (V17, V18): the emptied
   * predictor is not refilled, while the offer's totals and the unchanged predictor still learn.
   * What such a node writes is given to the repository directly, as one node cannot be held on an
   * old catalog over HTTP.
   */
  @Test
  void shouldKeepANodeOnTheOldCatalogFromRefillingAPredictorResetSince() {
    naiveBayesFlow("nb-stale", "nb-stale-flow", "nb-stale");
    String decisionId = naiveBayesDecision("nb-stale-flow", "r-nb-stale");
    long old =
        jdbc.sql("select catalog_version from tenants where id = ?")
            .param(tenantId)
            .query(Long.class)
            .single();
    updateModel(
        "nb-stale",
        naiveBayesModelOf(
            "nb-stale",
            List.of(
                Map.of("name", "balance", "type", "numeric", "bins", List.of(1000, 10000)),
                Map.of(
                    "name",
                    "segment",
                    "type",
                    "symbolic",
                    "values",
                    List.of("gold", "silver", "bronze")))));
    assertThat(
            jdbc.sql(
                    "select predictor from model_evidence_resets where tenant_id = ?"
                        + " and model_key = 'nb-stale' and catalog_version > ?")
                .params(tenantId, old)
                .query(String.class)
                .list())
        .containsExactly("segment");

    // the old node's outcome: balance in bin 2 and segment in bin 1 of the old predictors
    RespondRepository.Written stale = staleNodeAccept(decisionId, "k-nb-stale-1", old);
    assertThat(stale.claimed()).isTrue();
    assertThat(stale.learned()).isTrue(); // the model itself was not reset
    assertThat(binCounts("nb-stale")).containsExactly(":-1:1:0", "balance:2:1:0");

    // the same write from a decision made with the changed catalog: every bin counts
    long current =
        jdbc.sql("select catalog_version from tenants where id = ?")
            .param(tenantId)
            .query(Long.class)
            .single();
    staleNodeAccept(decisionId, "k-nb-stale-2", current);
    assertThat(binCounts("nb-stale")).containsExactly(":-1:2:0", "balance:2:2:0", "segment:1:1:0");
  }

  /**
   * An accept of gold-card as a node deciding with catalog version {@code catalogVersion} writes
   * it.
   */
  private RespondRepository.Written staleNodeAccept(
      String decisionId, String idempotencyKey, long catalogVersion) {
    Instant now = Instant.now();
    String id = dev.arbiter.shared.Ids.newId();
    return server
        .bean(RespondRepository.class)
        .record(
            new RespondRepository.Write(
                idempotencyKey,
                "hash-" + idempotencyKey,
                new RespondRepository.Interaction(
                    id,
                    tenantId,
                    "r-nb-stale",
                    decisionId,
                    "gold-card",
                    null,
                    "app",
                    "accept",
                    null,
                    now,
                    now,
                    idempotencyKey),
                new dev.arbiter.decision.OutboxEvent(
                    id,
                    tenantId,
                    "interaction.recorded.v1",
                    "demo:r-nb-stale",
                    Map.of("id", id),
                    now),
                new RespondRepository.Evidence(
                    "nb-stale",
                    List.of(),
                    List.of(
                        new Learning.BinIncrement("gold-card", 0, "balance", 2, true),
                        new Learning.BinIncrement("gold-card", 1, "segment", 1, true)),
                    catalogVersion),
                null,
                catalogVersion,
                false));
  }

  private static Map<String, Object> naiveBayesModel(String key, List<Integer> balanceBins) {
    return naiveBayesModelOf(
        key,
        List.of(
            Map.of("name", "balance", "type", "numeric", "bins", balanceBins),
            Map.of("name", "segment", "type", "symbolic", "values", List.of("gold", "silver"))));
  }

  private static Map<String, Object> naiveBayesModelOf(
      String key, List<Map<String, ?>> predictors) {
    Map<String, Object> body = new HashMap<>();
    body.put("key", key);
    body.put("name", "NB");
    body.put("type", "naive_bayes");
    body.put("fallbackScore", 0.3);
    body.put("config", Map.of("predictors", predictors));
    return body;
  }

  private void updateModel(String key, Map<String, Object> body) {
    String[] ed = auth(editor, DemoSeeder.TENANT);
    Map<String, Object> update = new HashMap<>(body);
    update.put(
        "rowVersion", server.get("/api/v1/models/" + key, ed).json().path("rowVersion").asLong());
    Response changed = server.put("/api/v1/models/" + key, update, ed);
    assertThat(changed.status()).as(changed.body()).isEqualTo(200);
  }

  /** A naive Bayes model on balance (cut at 1000 and 10000) and segment, and a published flow. */
  private void naiveBayesFlow(String modelKey, String flowKey, String placement) {
    naiveBayesFlow(naiveBayesModel(modelKey, List.of(1000, 10000)), flowKey, placement);
  }

  /** Model {@code model} and a published flow of it on channel app, {@code placement}. */
  private void naiveBayesFlow(Map<String, Object> model, String flowKey, String placement) {
    String modelKey = (String) model.get("key");
    String[] ed = auth(editor, DemoSeeder.TENANT);
    Response created = server.post("/api/v1/models", model, ed);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    Response flow =
        server.post(
            "/api/v1/flows",
            Map.of(
                "key",
                flowKey,
                "name",
                "NB flow",
                "channel",
                "app",
                "placement",
                placement,
                "inventory",
                Map.of("offers", List.of("gold-card", "travel-insurance")),
                "modelKey",
                modelKey,
                "maxOffers",
                2),
            ed);
    assertThat(flow.status()).as(flow.body()).isEqualTo(201);
    Response published = server.post("/api/v1/flows/" + flowKey + "/publish", Map.of(), ed);
    assertThat(published.status()).isEqualTo(200);
  }

  /** A decision of {@code flowKey} for a silver customer with a balance of 12000; its id. */
  private String naiveBayesDecision(String flowKey, String customerId) {
    Response r =
        server.post(
            "/api/v1/recommend",
            Map.of(
                "customerId",
                customerId,
                "flowKey",
                flowKey,
                "attributes",
                Map.of("balance", 12000, "age", 40, "segment", "silver")),
            auth(decision, DemoSeeder.TENANT));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().path("offers").findValuesAsString("offerKey")).contains("gold-card");
    return r.json().path("decisionId").asString();
  }

  private Response accept(String decisionId, String customerId, String idempotencyKey) {
    Map<String, Object> body = new HashMap<>();
    body.put("decisionId", decisionId);
    body.put("offerKey", "gold-card");
    body.put("customerId", customerId);
    body.put("outcome", "accept");
    return respond(decision, body, idempotencyKey);
  }

  /** {@code predictor:bin:positives:negatives} of gold-card under {@code modelKey}. */
  private List<String> binCounts(String modelKey) {
    return jdbc.sql(
            "select predictor || ':' || bin || ':' || sum(positives) || ':' || sum(negatives)"
                + " from model_bin_counts where model_key = ? and offer_key = 'gold-card'"
                + " group by predictor, bin order by predictor, bin")
        .param(modelKey)
        .query(String.class)
        .list();
  }

  private double modelUpdates(String result) {
    return updates("naive_bayes", result);
  }
}
