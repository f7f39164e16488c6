package dev.arbiter.catalog;

import static dev.arbiter.testsupport.TestServer.auth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.testsupport.TestDatabase;
import dev.arbiter.testsupport.TestServer;
import dev.arbiter.testsupport.TestServer.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

class CatalogIntegrationTests {
  static TestServer server;
  static String admin;
  static String editor;
  static String viewer;
  static String decision;
  static String betaAdmin;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    admin = server.apiKey("acme", "admin");
    editor = server.apiKey("acme", "editor");
    viewer = server.apiKey("acme", "viewer");
    decision = server.apiKey("acme", "decision");
    betaAdmin = server.apiKey("beta", "admin");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String[] as(String key) {
    return auth(key, "acme");
  }

  static Response create(String kind, Map<String, Object> body) {
    return server.post("/api/v1/" + kind, body, as(editor));
  }

  static long version(Response r) {
    return Long.parseLong(r.header("X-Catalog-Version"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "offers",
        "qualification-rules",
        "contact-policies",
        "models",
        "arbitration-profiles",
        "flows"
      })
  void shouldCreateReadListUpdateAndDeleteEveryKind(String kind) {
    String key = "crud-" + kind;
    Response created = create(kind, CatalogSamples.sample(kind, key));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    JsonNode c = created.json();
    assertThat(c.path("id").asString()).isNotBlank();
    assertThat(c.path("key").asString()).isEqualTo(key);
    assertThat(c.path("rowVersion").asLong()).isEqualTo(1);
    assertThat(c.path("createdAt").asString()).isNotBlank();
    long v1 = version(created);

    Response read = server.get("/api/v1/" + kind + "/" + key, as(viewer));
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.json().path("name").asString()).isEqualTo(c.path("name").asString());

    Response list = server.get("/api/v1/" + kind + "?limit=100", as(viewer));
    assertThat(list.json().path("data").findValuesAsString("key")).contains(key);

    Map<String, Object> changed = new HashMap<>(CatalogSamples.sample(kind, key));
    changed.put("name", "Renamed");
    changed.put("rowVersion", 1);
    Response updated = server.put("/api/v1/" + kind + "/" + key, changed, as(editor));
    assertThat(updated.status()).as(updated.body()).isEqualTo(200);
    assertThat(updated.json().path("rowVersion").asLong()).isEqualTo(2);
    assertThat(updated.json().path("name").asString()).isEqualTo("Renamed");
    assertThat(version(updated)).isGreaterThan(v1);

    changed.put("name", "Lost update");
    Response stale = server.put("/api/v1/" + kind + "/" + key, changed, as(editor));
    assertThat(stale.status()).isEqualTo(409);
    assertThat(stale.code()).isEqualTo("ROW_VERSION_CONFLICT");
    assertThat(server.get("/api/v1/" + kind + "/" + key, as(viewer)).json().path("name").asString())
        .isEqualTo("Renamed");

    Response other = server.get("/api/v1/" + kind + "/" + key, auth(betaAdmin, "beta"));
    assertThat(other.status()).as("another tenant sees nothing").isEqualTo(404);
    assertThat(server.delete("/api/v1/" + kind + "/" + key, auth(betaAdmin, "beta")).status())
        .isEqualTo(404);

    Response deleted = server.delete("/api/v1/" + kind + "/" + key, as(editor));
    assertThat(deleted.status()).isEqualTo(204);
    assertThat(server.get("/api/v1/" + kind + "/" + key, as(viewer)).status()).isEqualTo(404);
    assertThat(server.delete("/api/v1/" + kind + "/" + key, as(editor)).code())
        .isEqualTo("NOT_FOUND");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "offers",
        "qualification-rules",
        "contact-policies",
        "models",
        "arbitration-profiles",
        "flows"
      })
  void shouldEnforceRolesOnEveryKind(String kind) {
    String key = "roles-" + kind;
    assertThat(server.post("/api/v1/" + kind, CatalogSamples.sample(kind, key), as(viewer)).code())
        .isEqualTo("FORBIDDEN_ROLE");
    assertThat(
            server.post("/api/v1/" + kind, CatalogSamples.sample(kind, key), as(decision)).code())
        .isEqualTo("FORBIDDEN_ROLE");
    assertThat(server.post("/api/v1/" + kind, CatalogSamples.sample(kind, key), as(admin)).status())
        .isEqualTo(201);
    assertThat(server.get("/api/v1/" + kind + "/" + key, as(decision)).code())
        .isEqualTo("FORBIDDEN_ROLE");
    assertThat(server.delete("/api/v1/" + kind + "/" + key, as(viewer)).code())
        .isEqualTo("FORBIDDEN_ROLE");
    assertThat(server.delete("/api/v1/" + kind + "/" + key, as(admin)).status()).isEqualTo(204);
  }

  @Test
  void shouldRefuseTwoFlowsOnOneChannelAndPlacement() {
    Map<String, Object> first = new HashMap<>(CatalogSamples.flow("route-a"));
    first.put("placement", "shared-slot");
    assertThat(create("flows", first).status()).isEqualTo(201);
    Map<String, Object> second = new HashMap<>(CatalogSamples.flow("route-b"));
    second.put("placement", "shared-slot");
    Response r = create("flows", second);
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.body()).contains("already served by flow 'route-a'");
  }

  @Test
  void shouldRefuseDuplicateKeys() {
    assertThat(create("offers", CatalogSamples.offer("dup")).status()).isEqualTo(201);
    Response again = create("offers", CatalogSamples.offer("dup"));
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.code()).isEqualTo("DUPLICATE_KEY");
  }

  @Test
  void shouldRefuseARuleThatDoesNotCompileWithThePathOfTheError() {
    Map<String, Object> rule = new HashMap<>(CatalogSamples.rule("broken"));
    rule.put(
        "expression",
        Map.of(
            "and",
            List.of(
                Map.of(">=", List.of(Map.of("var", "customer.balance"), 1)),
                Map.of("frobnicate", List.of(1)))));
    Response r = create("qualification-rules", rule);
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.code()).isEqualTo("VALIDATION_FAILED");
    assertThat(r.json().path("errors").get(0).path("field").asString())
        .startsWith("expression")
        .contains("frobnicate");
    assertThat(server.get("/api/v1/qualification-rules/broken", as(viewer)).status())
        .isEqualTo(404);
  }

  @Test
  void shouldNameUnknownFieldsAndWrongTypes() {
    Map<String, Object> offer = new HashMap<>(CatalogSamples.offer("typo"));
    offer.put("prority", 5);
    offer.put("colour", "red");
    Response unknown = create("offers", offer);
    assertThat(unknown.status()).isEqualTo(422);
    assertThat(unknown.json().path("errors").findValuesAsString("field"))
        .containsExactlyInAnyOrder("prority", "colour");

    Map<String, Object> typed = new HashMap<>(CatalogSamples.offer("typed"));
    typed.put("priority", "high");
    Response wrong = create("offers", typed);
    assertThat(wrong.status()).isEqualTo(422);
    assertThat(wrong.json().path("errors").get(0).path("field").asString()).isEqualTo("priority");
    assertThat(wrong.json().path("errors").get(0).path("message").asString())
        .isEqualTo("must be an integer");

    Map<String, Object> policy = new HashMap<>(CatalogSamples.policy("bad-window"));
    policy.put("config", Map.of("outcome", "impression", "max", 3, "window", "a week"));
    Response duration = create("contact-policies", policy);
    assertThat(duration.status()).isEqualTo(422);
    assertThat(duration.json().path("errors").get(0).path("field").asString()).contains("window");

    Map<String, Object> profile = new HashMap<>(CatalogSamples.profile("bad-weights"));
    profile.put("weights", Map.of("propensity", -1, "relevance", 0, "value", 0, "priority", 0));
    assertThat(create("arbitration-profiles", profile).status()).isEqualTo(422);
  }

  @Test
  void shouldRefuseAPolicyThatCountsFurtherBackThanTheContactHistoryReaches() {
    // the default horizon is 90 days: a window of 90 days fits, one of 91 would undercount
    Map<String, Object> cap = new HashMap<>(CatalogSamples.policy("quarterly"));
    cap.put("config", Map.of("outcome", "impression", "max", 3, "window", "P90D"));
    assertThat(create("contact-policies", cap).status()).isEqualTo(201);

    Map<String, Object> longer = new HashMap<>(CatalogSamples.policy("yearly"));
    longer.put("config", Map.of("outcome", "impression", "max", 3, "window", "P91D"));
    Response refused = create("contact-policies", longer);
    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.code()).isEqualTo("VALIDATION_FAILED");
    assertThat(refused.json().path("errors").get(0).path("field").asString())
        .isEqualTo("config.window");
    assertThat(refused.json().path("errors").get(0).path("message").asString())
        .startsWith("must be at most P90D, how far back the contact history reaches")
        .contains("ARBITER_CONTACT_HORIZON");
    assertThat(server.get("/api/v1/contact-policies/yearly", as(viewer)).status()).isEqualTo(404);

    Map<String, Object> cooldown = new HashMap<>(CatalogSamples.policy("after-reject"));
    cooldown.put("type", "cooldown");
    cooldown.put("config", Map.of("outcome", "reject", "duration", "P26W"));
    Response refusedCooldown = create("contact-policies", cooldown);
    assertThat(refusedCooldown.status()).isEqualTo(422);
    assertThat(refusedCooldown.json().path("errors").get(0).path("field").asString())
        .isEqualTo("config.duration");

    // nor count up to more contacts than the history keeps of a kind (500 by default)
    Map<String, Object> many = new HashMap<>(CatalogSamples.policy("many"));
    many.put("config", Map.of("outcome", "decision", "max", 501, "window", "P1D"));
    Response tooMany = create("contact-policies", many);
    assertThat(tooMany.status()).isEqualTo(422);
    assertThat(tooMany.json().path("errors").get(0).path("field").asString())
        .isEqualTo("config.max");
    assertThat(tooMany.json().path("errors").get(0).path("message").asString())
        .startsWith("must be at most 500, the contacts of each kind the history keeps")
        .contains("ARBITER_CONTACT_MAX_EVENTS");
    many.put("config", Map.of("outcome", "decision", "max", 500, "window", "P1D"));
    assertThat(create("contact-policies", many).status()).isEqualTo(201);

    // an update may not lengthen a stored policy beyond it either; the stored one is kept
    Map<String, Object> lengthened = new HashMap<>(cap);
    lengthened.put("config", Map.of("outcome", "impression", "max", 3, "window", "P13W"));
    lengthened.put("rowVersion", 1);
    Response update = server.put("/api/v1/contact-policies/quarterly", lengthened, as(editor));
    assertThat(update.status()).isEqualTo(422);
    assertThat(
            server
                .get("/api/v1/contact-policies/quarterly", as(viewer))
                .json()
                .path("config")
                .path("window")
                .asString())
        .isEqualTo("P90D");

    // an inactive policy counts nothing: stored as it is, checked when it is made active
    Map<String, Object> dormant = new HashMap<>(longer);
    dormant.put("key", "dormant");
    dormant.put("status", "inactive");
    assertThat(create("contact-policies", dormant).status()).isEqualTo(201);
    dormant.put("status", "active");
    dormant.put("rowVersion", 1);
    assertThat(server.put("/api/v1/contact-policies/dormant", dormant, as(editor)).status())
        .isEqualTo(422);

    // nor may an import bring one in
    Response imported =
        server.post(
            "/api/v1/catalog/import?mode=merge",
            Map.of("contactPolicies", List.of(longer)),
            as(admin));
    assertThat(imported.status()).as(imported.body()).isEqualTo(422);
    assertThat(imported.json().path("errors").findValuesAsString("field"))
        .contains("contactPolicies[yearly].config.window");
    assertThat(server.get("/api/v1/contact-policies/yearly", as(viewer)).status()).isEqualTo(404);

    // A policy stored before the limit (here: written behind the API, as the stored body of an
    // older version looks) does not block an import that leaves it as it is, a re-import of an
    // export; nor an edit of anything else. An edit of the policy itself is held to the limit.
    org.springframework.jdbc.core.simple.JdbcClient.create(server.bean(javax.sql.DataSource.class))
        .sql(
            "update catalog_resources set body = jsonb_set(body, '{config,window}', '\"P120D\"')"
                + " where key = 'quarterly' and tenant_id = :t")
        .param("t", server.tenantId("acme"))
        .update();
    String exported = server.get("/api/v1/catalog/export", as(admin)).body();
    assertThat(exported).contains("P120D");
    Response reimported =
        server.post(
            "/api/v1/catalog/import?mode=merge",
            tools.jackson.databind.json.JsonMapper.builder().build().readValue(exported, Map.class),
            as(admin));
    assertThat(reimported.status()).as(reimported.body()).isEqualTo(200);
    assertThat(create("offers", CatalogSamples.offer("after-the-limit")).status()).isEqualTo(201);
    Map<String, Object> renamed = new HashMap<>(cap);
    renamed.put("config", Map.of("outcome", "impression", "max", 3, "window", "P120D"));
    renamed.put("name", "renamed");
    renamed.put("rowVersion", 1);
    assertThat(server.put("/api/v1/contact-policies/quarterly", renamed, as(editor)).status())
        .isEqualTo(422);
  }

  @Test
  void shouldRefuseMissingReferencesAndDeletingWhatIsReferenced() {
    Map<String, Object> flow = new HashMap<>(CatalogSamples.flow("ref-flow"));
    flow.put("modelKey", "ghost-model");
    Response missing = create("flows", flow);
    assertThat(missing.status()).isEqualTo(422);
    assertThat(missing.json().path("errors").get(0).path("field").asString()).isEqualTo("modelKey");

    assertThat(create("models", CatalogSamples.model("ref-model")).status()).isEqualTo(201);
    flow.put("modelKey", "ref-model");
    assertThat(create("flows", flow).status()).isEqualTo(201);
    Response inUse = server.delete("/api/v1/models/ref-model", as(editor));
    assertThat(inUse.status()).isEqualTo(409);
    assertThat(inUse.code()).isEqualTo("RESOURCE_IN_USE");
    assertThat(server.get("/api/v1/models/ref-model", as(viewer)).status()).isEqualTo(200);
  }

  @Test
  void shouldFreezePublishedFlowVersions() {
    Response flow = create("flows", CatalogSamples.flow("pub"));
    assertThat(flow.status()).as(flow.body()).isEqualTo(201);
    Response first = server.post("/api/v1/flows/pub/publish", null, as(editor));
    assertThat(first.status()).as(first.body()).isEqualTo(200);
    assertThat(first.json().path("version").asInt()).isEqualTo(1);

    Map<String, Object> changed = new HashMap<>(CatalogSamples.flow("pub"));
    changed.put("maxOffers", 7);
    changed.put("rowVersion", 1);
    assertThat(server.put("/api/v1/flows/pub", changed, as(editor)).status()).isEqualTo(200);
    assertThat(
            server
                .get("/api/v1/flows/pub/versions/1", as(viewer))
                .json()
                .path("definition")
                .path("maxOffers")
                .asInt())
        .isEqualTo(3);
    assertThat(server.get("/api/v1/flows/pub", as(viewer)).json().path("publishedVersion").asInt())
        .isEqualTo(1);

    Response second = server.post("/api/v1/flows/pub/publish", null, as(editor));
    assertThat(second.json().path("version").asInt()).isEqualTo(2);
    Response versions = server.get("/api/v1/flows/pub/versions", as(viewer));
    assertThat(versions.json().path("data").findValuesAsString("version"))
        .containsExactly("2", "1");
    assertThat(versions.json().path("pagination").path("hasMore").asBoolean()).isFalse();
    // a page at a time, newest first
    Response newest = server.get("/api/v1/flows/pub/versions?limit=1", as(viewer));
    assertThat(newest.json().path("data").findValuesAsString("version")).containsExactly("2");
    assertThat(newest.json().path("pagination").path("hasMore").asBoolean()).isTrue();
    String cursor = newest.json().path("pagination").path("nextCursor").asString();
    Response older = server.get("/api/v1/flows/pub/versions?limit=1&cursor=" + cursor, as(viewer));
    assertThat(older.json().path("data").findValuesAsString("version")).containsExactly("1");
    assertThat(older.json().path("pagination").path("hasMore").asBoolean()).isFalse();
    assertThat(older.json().path("pagination").path("nextCursor").isNull()).isTrue();
    assertThat(server.get("/api/v1/flows/pub/versions?cursor=bm90LWEtbnVtYmVy", as(viewer)).code())
        .isEqualTo("VALIDATION_FAILED");
    assertThat(server.get("/api/v1/flows/pub/versions?limit=0", as(viewer)).code())
        .isEqualTo("VALIDATION_FAILED");
    assertThat(
            server
                .get("/api/v1/flows/pub/versions/2", as(viewer))
                .json()
                .path("definition")
                .path("maxOffers")
                .asInt())
        .isEqualTo(7);
    assertThat(server.post("/api/v1/flows/nope/publish", null, as(editor)).status()).isEqualTo(404);
    assertThat(server.post("/api/v1/flows/pub/publish", null, as(viewer)).code())
        .isEqualTo("FORBIDDEN_ROLE");
    assertThat(
            server
                .get("/api/v1/catalog", as(viewer))
                .json()
                .path("counts")
                .path("publishedFlows")
                .asInt())
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void shouldForgetAFlowsPublishedVersionsWhenItIsDeleted() {
    assertThat(create("flows", CatalogSamples.flow("reborn")).status()).isEqualTo(201);
    assertThat(
            server.get("/api/v1/flows/reborn", as(viewer)).json().path("publishedVersion").isNull())
        .isTrue();
    assertThat(
            server
                .post("/api/v1/flows/reborn/publish", null, as(editor))
                .json()
                .path("version")
                .asInt())
        .isEqualTo(1);
    int before =
        server
            .get("/api/v1/catalog", as(viewer))
            .json()
            .path("counts")
            .path("publishedFlows")
            .asInt();
    assertThat(server.delete("/api/v1/flows/reborn", as(editor)).status()).isEqualTo(204);
    assertThat(server.get("/api/v1/flows/reborn/versions/1", as(viewer)).status()).isEqualTo(404);
    Map<String, Object> again = new HashMap<>(CatalogSamples.flow("reborn"));
    again.put("placement", "elsewhere");
    assertThat(create("flows", again).status()).isEqualTo(201);
    assertThat(
            server
                .get("/api/v1/catalog", as(viewer))
                .json()
                .path("counts")
                .path("publishedFlows")
                .asInt())
        .as("the deleted flow's version does not come back")
        .isEqualTo(before - 1);
    Response recommend =
        server.post(
            "/api/v1/recommend", Map.of("customerId", "c", "flowKey", "reborn"), as(editor));
    assertThat(recommend.code()).isEqualTo("FLOW_NOT_FOUND");
    assertThat(
            server
                .post("/api/v1/flows/reborn/publish", null, as(editor))
                .json()
                .path("version")
                .asInt())
        .isEqualTo(1);
  }

  @Test
  void shouldRefuseAFractionalRowVersion() {
    create("offers", CatalogSamples.offer("fraction"));
    Map<String, Object> changed = new HashMap<>(CatalogSamples.offer("fraction"));
    changed.put("rowVersion", 1.9);
    Response r = server.put("/api/v1/offers/fraction", changed, as(editor));
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.json().path("errors").get(0).path("field").asString()).isEqualTo("rowVersion");
  }

  @Test
  void shouldHideAnotherTenantsResourcesFromEveryVerbAndRole() {
    create("flows", CatalogSamples.flow("private-flow"));
    server.post("/api/v1/flows/private-flow/publish", null, as(editor));
    for (String role : List.of("viewer", "editor", "admin")) {
      String[] other = auth(server.apiKey("beta", role), "beta");
      assertThat(server.get("/api/v1/flows/private-flow", other).status()).as(role).isEqualTo(404);
      assertThat(server.get("/api/v1/flows/private-flow/versions", other).status())
          .as(role)
          .isEqualTo(404);
      assertThat(server.get("/api/v1/flows/private-flow/versions/1", other).status())
          .as(role)
          .isEqualTo(404);
      if (!role.equals("viewer")) {
        Map<String, Object> body = new HashMap<>(CatalogSamples.flow("private-flow"));
        body.put("rowVersion", 1);
        assertThat(server.put("/api/v1/flows/private-flow", body, other).status())
            .as(role)
            .isEqualTo(404);
        assertThat(server.post("/api/v1/flows/private-flow/publish", null, other).status())
            .as(role)
            .isEqualTo(404);
      }
    }
  }

  @Test
  void shouldAuditEveryWriteWithWhoAndBeforeAfter() {
    create("offers", CatalogSamples.offer("audited"));
    Map<String, Object> changed = new HashMap<>(CatalogSamples.offer("audited"));
    changed.put("name", "Audited v2");
    changed.put("rowVersion", 1);
    server.put("/api/v1/offers/audited", changed, as(editor));
    server.delete("/api/v1/offers/audited", as(editor));
    Response log = server.get("/api/v1/audit-log?kind=offer&key=audited", as(viewer));
    assertThat(log.status()).isEqualTo(200);
    JsonNode data = log.json().path("data");
    assertThat(data.findValuesAsString("action")).containsExactly("delete", "update", "create");
    JsonNode update = data.get(1);
    assertThat(update.path("actor").asString()).startsWith("key:");
    assertThat(update.path("before").path("name").asString()).isEqualTo("Gold card");
    assertThat(update.path("after").path("name").asString()).isEqualTo("Audited v2");
    assertThat(update.path("requestId").asString()).isNotBlank();
    assertThat(data.get(0).path("after").isNull() || data.get(0).path("after").isMissingNode())
        .isTrue();
    assertThat(
            server
                .get("/api/v1/audit-log", auth(betaAdmin, "beta"))
                .json()
                .path("data")
                .findValuesAsString("key"))
        .doesNotContain("audited");
  }

  @Test
  void shouldPageThroughOffers() {
    for (int i = 0; i < 5; i++) {
      create("offers", CatalogSamples.offer("page-" + i));
    }
    Response first = server.get("/api/v1/offers?limit=2", as(viewer));
    assertThat(first.json().path("data").size()).isEqualTo(2);
    assertThat(first.json().path("pagination").path("hasMore").asBoolean()).isTrue();
    String cursor = first.json().path("pagination").path("nextCursor").asString();
    Response second = server.get("/api/v1/offers?limit=2&cursor=" + cursor, as(viewer));
    assertThat(second.json().path("data").get(0).path("key").asString())
        .isGreaterThan(first.json().path("data").get(1).path("key").asString());
  }

  @Test
  void shouldKeepTenantSettingsWithOptimisticLocking() {
    Response defaults = server.get("/api/v1/tenant-settings", as(viewer));
    assertThat(defaults.json().path("rowVersion").asLong()).isEqualTo(0);
    assertThat(defaults.json().has("traceEnabled")).isTrue();
    Response saved =
        server.put(
            "/api/v1/tenant-settings",
            Map.of(
                "traceEnabled",
                true,
                "traceSampleRate",
                0.5,
                "timeZone",
                "Europe/Paris",
                "rowVersion",
                0),
            as(admin));
    assertThat(saved.status()).as(saved.body()).isEqualTo(200);
    assertThat(saved.json().path("rowVersion").asLong()).isEqualTo(1);
    assertThat(saved.json().path("traceSampleRate").asDouble()).isEqualTo(0.5);
    Response stale =
        server.put(
            "/api/v1/tenant-settings", Map.of("traceSampleRate", 0.1, "rowVersion", 0), as(admin));
    assertThat(stale.code()).isEqualTo("ROW_VERSION_CONFLICT");
    Response invalid =
        server.put(
            "/api/v1/tenant-settings",
            Map.of("traceSampleRate", 2, "timeZone", "Mars/Olympus", "rowVersion", 1),
            as(admin));
    assertThat(invalid.status()).isEqualTo(422);
    assertThat(invalid.json().path("errors").findValuesAsString("field"))
        .containsExactlyInAnyOrder("traceSampleRate", "timeZone");
    assertThat(server.put("/api/v1/tenant-settings", Map.of("rowVersion", 1), as(editor)).code())
        .isEqualTo("FORBIDDEN_ROLE");
    assertThat(
            server
                .get("/api/v1/tenant-settings", auth(betaAdmin, "beta"))
                .json()
                .path("rowVersion")
                .asLong())
        .isEqualTo(0);
  }

  @Test
  void shouldShowAChangeMadeOnOneNodeOnAnotherWithinASecond() throws Exception {
    Map<String, String> env = Map.of("DATABASE_URL", TestDatabase.newDatabase());
    try (TestServer a = TestServer.startWithEnv(env);
        TestServer b = TestServer.startWithEnv(env)) {
      String keyA = a.apiKey("acme", "editor");
      String keyB = b.apiKey("acme", "viewer");
      long before =
          b.get("/api/v1/catalog", auth(keyB, "acme")).json().path("catalogVersion").asLong();
      Response created =
          a.post("/api/v1/offers", CatalogSamples.offer("from-a"), auth(keyA, "acme"));
      long written = version(created);
      Instant t0 = Instant.now();
      long seen = before;
      while (seen < written
          && Duration.between(t0, Instant.now()).compareTo(Duration.ofSeconds(5)) < 0) {
        seen = b.get("/api/v1/catalog", auth(keyB, "acme")).json().path("catalogVersion").asLong();
        if (seen < written) {
          Thread.sleep(20);
        }
      }
      Duration took = Duration.between(t0, Instant.now());
      System.out.println("catalog change reached the other node in " + took.toMillis() + " ms");
      assertThat(seen).isEqualTo(written);
      assertThat(took).isLessThan(Duration.ofSeconds(1));
      assertThat(
              b.get("/api/health")
                  .json()
                  .path("checks")
                  .path("catalogListener")
                  .path("status")
                  .asString())
          .isEqualTo("up");
    }
  }

  /** A naive-Bayes model of two predictors, {@code balance} cut at {@code balanceBins}. */
  private static Map<String, Object> naiveBayes(
      String key, String name, List<Integer> balanceBins) {
    return Map.of(
        "key",
        key,
        "name",
        name,
        "type",
        "naive_bayes",
        "fallbackScore",
        0.3,
        "config",
        Map.of(
            "predictors",
            List.of(
                Map.of("name", "balance", "type", "numeric", "bins", balanceBins),
                Map.of("name", "segment", "type", "symbolic", "values", List.of("gold")))));
  }

  /** What model {@code key} of acme has learned: bin-count predictors, and Thompson rows. */
  private static List<String> evidence(String key) {
    var jdbc = server.bean(org.springframework.jdbc.core.simple.JdbcClient.class);
    List<String> rows =
        new java.util.ArrayList<>(
            jdbc.sql(
                    "select 'bin:' || predictor from model_bin_counts"
                        + " where tenant_id = :t and model_key = :k order by predictor")
                .param("t", server.tenantId("acme"))
                .param("k", key)
                .query(String.class)
                .list());
    rows.addAll(
        jdbc.sql(
                "select 'beta:' || key from model_beta_counts"
                    + " where tenant_id = :t and model_key = :k order by key")
            .param("t", server.tenantId("acme"))
            .param("k", key)
            .query(String.class)
            .list());
    return rows;
  }

  private static void learn(String key) {
    var jdbc = server.bean(org.springframework.jdbc.core.simple.JdbcClient.class);
    for (String predictor : List.of("", "balance", "segment")) {
      jdbc.sql(
              "insert into model_bin_counts (tenant_id, model_key, offer_key, predictor, bin,"
                  + " positives, negatives, updated_at) values (:t, :k, 'gold', :p, 0, 3, 7, now())"
                  + " on conflict do nothing")
          .param("t", server.tenantId("acme"))
          .param("k", key)
          .param("p", predictor)
          .update();
    }
    jdbc.sql(
            "insert into model_beta_counts (tenant_id, model_key, level, key, alpha, beta,"
                + " updated_at) values (:t, :k, 'offer', 'gold', 3, 7, now()) on conflict do nothing")
        .param("t", server.tenantId("acme"))
        .param("k", key)
        .update();
  }

  private static long rowVersion(String kind, String key) {
    return server.get("/api/v1/" + kind + "/" + key, as(viewer)).json().path("rowVersion").asLong();
  }

  private static Response updateModel(String key, Map<String, Object> body) {
    Map<String, Object> b = new java.util.HashMap<>(body);
    b.put("rowVersion", rowVersion("models", key));
    Response r = server.put("/api/v1/models/" + key, b, as(editor));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r;
  }

  @Test
  void shouldForgetTheEvidenceAModelsChangeMakesMeaninglessAndKeepTheRest() {
    assertThat(create("models", naiveBayes("nb-forget", "NB", List.of(1000, 10000))).status())
        .isEqualTo(201);
    assertThat(create("models", CatalogSamples.model("tb-forget")).status()).isEqualTo(201);
    learn("nb-forget");
    learn("tb-forget");
    List<String> all = List.of("bin:", "bin:balance", "bin:segment", "beta:gold");
    assertThat(evidence("nb-forget")).containsExactlyElementsOf(all);

    // a new name, and the same cut points written as decimals: nothing learned is lost
    updateModel("nb-forget", naiveBayes("nb-forget", "Renamed", List.of(1000, 10000)));
    var decimals = new java.util.HashMap<>(naiveBayes("nb-forget", "Renamed", List.of()));
    decimals.put(
        "config",
        Map.of(
            "predictors",
            List.of(
                Map.of("name", "balance", "type", "numeric", "bins", List.of(1000.0, 1e4)),
                Map.of("name", "segment", "type", "symbolic", "values", List.of("gold")))));
    updateModel("nb-forget", decimals);
    assertThat(evidence("nb-forget")).containsExactlyElementsOf(all);

    // new cut points for balance, as many as before: bin 0 means other customers now
    updateModel("nb-forget", naiveBayes("nb-forget", "Renamed", List.of(500, 10000)));
    assertThat(evidence("nb-forget")).containsExactly("bin:", "bin:segment", "beta:gold");

    // another type: nothing it learned as naive Bayes applies
    updateModel("nb-forget", CatalogSamples.model("nb-forget"));
    assertThat(evidence("nb-forget")).isEmpty();

    // none of that touched the other model
    assertThat(evidence("tb-forget")).containsExactlyElementsOf(all);

    // deleted, then created again under its key: it starts from its prior, even when an outcome
    // of an old decision wrote under the key in between
    assertThat(server.delete("/api/v1/models/tb-forget", as(editor)).status()).isEqualTo(204);
    assertThat(evidence("tb-forget")).isEmpty();
    learn("tb-forget");
    assertThat(create("models", CatalogSamples.model("tb-forget")).status()).isEqualTo(201);
    assertThat(evidence("tb-forget")).isEmpty();
  }
}
