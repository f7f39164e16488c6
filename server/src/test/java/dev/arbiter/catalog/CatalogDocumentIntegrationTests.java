package dev.arbiter.catalog;

import static dev.arbiter.testsupport.TestServer.auth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.cli.ArbiterCommand;
import dev.arbiter.testsupport.TestServer;
import dev.arbiter.testsupport.TestServer.Response;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The catalog as one document: export, import (merge, replace, dry run) and offline validate. */
class CatalogDocumentIntegrationTests {
  static TestServer server;
  static String source;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    source = server.apiKey("source", "editor");
    String[] h = auth(source, "source");
    server.post("/api/v1/offers", CatalogSamples.offer("gold-card"), h);
    server.post("/api/v1/qualification-rules", CatalogSamples.rule("min-balance"), h);
    server.post("/api/v1/contact-policies", CatalogSamples.policy("weekly-cap"), h);
    server.post("/api/v1/models", CatalogSamples.model("bandit"), h);
    server.post("/api/v1/arbitration-profiles", CatalogSamples.profile("balanced"), h);
    Map<String, Object> flow = new HashMap<>(CatalogSamples.flow("homepage"));
    flow.put("modelKey", "bandit");
    flow.put("arbitrationProfileKey", "balanced");
    assertThat(server.post("/api/v1/flows", flow, h).status()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Response postRaw(
      String key, String tenant, String body, String contentType, String query) {
    java.net.http.HttpRequest req =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(server.baseUrl() + "/api/v1/catalog/import" + query))
            .header("Authorization", "Bearer " + key)
            .header("X-Tenant-Id", tenant)
            .header("Content-Type", contentType)
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
            .build();
    try {
      var r =
          java.net.http.HttpClient.newHttpClient()
              .send(req, java.net.http.HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.headers().map(), r.body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void shouldRoundTripACatalogThroughExportAndImport() {
    Response export = server.get("/api/v1/catalog/export", auth(source, "source"));
    assertThat(export.status()).isEqualTo(200);
    assertThat(export.json().path("apiVersion").asString()).isEqualTo("arbiter/v1");
    assertThat(export.json().path("offers").get(0).path("key").asString()).isEqualTo("gold-card");
    assertThat(export.json().path("offers").get(0).has("id")).isFalse();

    String target = server.apiKey("copy", "editor");
    Response dry = postRaw(target, "copy", export.body(), "application/json", "?dryRun=true");
    assertThat(dry.status()).as(dry.body()).isEqualTo(200);
    assertThat(dry.json().path("valid").asBoolean()).isTrue();
    assertThat(dry.json().path("created").size()).isEqualTo(6);
    assertThat(server.get("/api/v1/offers", auth(target, "copy")).json().path("data").size())
        .as("dry run wrote nothing")
        .isZero();

    Response real = postRaw(target, "copy", export.body(), "application/json", "");
    assertThat(real.status()).as(real.body()).isEqualTo(200);
    assertThat(real.json().path("created").size()).isEqualTo(6);
    assertThat(
            server
                .get("/api/v1/flows/homepage", auth(target, "copy"))
                .json()
                .path("modelKey")
                .asString())
        .isEqualTo("bandit");

    Response yaml = server.get("/api/v1/catalog/export?format=yaml", auth(target, "copy"));
    assertThat(yaml.header("Content-Type")).startsWith("application/yaml");
    assertThat(yaml.body()).contains("apiVersion: \"arbiter/v1\"").contains("gold-card");
    Response again = postRaw(target, "copy", yaml.body(), "application/yaml", "");
    assertThat(again.status()).as(again.body()).isEqualTo(200);
    assertThat(again.json().path("unchanged").size()).isEqualTo(6);
    assertThat(again.json().path("created").size()).isZero();
    assertThat(again.json().path("updated").size()).isZero();
  }

  @Test
  void shouldReportEveryProblemOnADryRunAndWriteNothingOnAFailedImport() {
    String key = server.apiKey("broken", "editor");
    String doc =
        """
        {"apiVersion": "arbiter/v1",
         "offers": [{"key": "a", "name": "A", "status": "sideways", "priority": 50}],
         "qualificationRules": [{"key": "r", "name": "R", "scope": {"type": "all"},
                                 "expression": {"frobnicate": [1]}, "status": "active"}],
         "flows": [{"key": "f", "name": "F", "channel": "web", "placement": "p",
                    "inventory": {"offers": ["a"]}, "modelKey": "ghost", "maxOffers": 3}],
         "extras": []}
        """;
    Response dry = postRaw(key, "broken", doc, "application/json", "?dryRun=true");
    assertThat(dry.status()).isEqualTo(200);
    assertThat(dry.json().path("valid").asBoolean()).isFalse();
    List<String> fields = dry.json().path("errors").findValuesAsString("field");
    assertThat(fields).anyMatch(f -> f.startsWith("offers[a].status"));
    assertThat(fields).anyMatch(f -> f.startsWith("qualificationRules[r].expression"));
    assertThat(fields).contains("extras");

    Response real = postRaw(key, "broken", doc, "application/json", "");
    assertThat(real.status()).isEqualTo(422);
    assertThat(real.code()).isEqualTo("VALIDATION_FAILED");
    assertThat(server.get("/api/v1/offers", auth(key, "broken")).json().path("data").size())
        .isZero();
    assertThat(postRaw(key, "broken", "{not json", "application/json", "").status()).isEqualTo(422);
  }

  @Test
  void shouldDeleteWhatTheDocumentLacksOnlyInReplaceMode() {
    String key = server.apiKey("replace", "editor");
    server.post("/api/v1/offers", CatalogSamples.offer("keep"), auth(key, "replace"));
    server.post("/api/v1/offers", CatalogSamples.offer("drop"), auth(key, "replace"));
    String doc =
        "{\"offers\": [{\"key\": \"keep\", \"name\": \"Kept\", \"status\": \"active\", \"priority\": 10}]}";
    Response merge = postRaw(key, "replace", doc, "application/json", "?mode=merge");
    assertThat(merge.json().path("updated").get(0).asString()).isEqualTo("offers/keep");
    assertThat(merge.json().path("deleted").size()).isZero();
    Response replace = postRaw(key, "replace", doc, "application/json", "?mode=replace");
    assertThat(replace.json().path("deleted").get(0).asString()).isEqualTo("offers/drop");
    assertThat(server.get("/api/v1/offers/drop", auth(key, "replace")).status()).isEqualTo(404);
    assertThat(
            server
                .get("/api/v1/audit-log?key=drop", auth(key, "replace"))
                .json()
                .path("data")
                .get(0)
                .path("action")
                .asString())
        .isEqualTo("import");
  }

  @Test
  void shouldLetViewersExportButNotImport() {
    String viewer = server.apiKey("source", "viewer");
    assertThat(server.get("/api/v1/catalog/export", auth(viewer, "source")).status())
        .isEqualTo(200);
    assertThat(postRaw(viewer, "source", "{}", "application/json", "").code())
        .isEqualTo("FORBIDDEN_ROLE");
  }

  @Test
  void shouldValidateADocumentOfflineWithEveryProblemAndItsPath() throws Exception {
    String exported =
        server.get("/api/v1/catalog/export?format=yaml", auth(source, "source")).body();
    Path good = Files.createTempFile("catalog", ".yaml");
    Files.writeString(good, exported);
    Run ok = validate(good);
    assertThat(ok.code()).as(ok.out()).isEqualTo(0);
    assertThat(ok.out()).contains("valid (1 offers");

    Path bad = Files.createTempFile("catalog", ".json");
    Files.writeString(
        bad,
        """
        {"offers": [{"key": "x", "name": "X", "status": "active", "priority": 500}],
         "contactPolicies": [{"key": "yearly", "name": "Y", "type": "frequency_cap",
                              "scope": {"type": "offer"},
                              "config": {"outcome": "impression", "max": 2, "window": "P365D"}}],
         "models": [{"key": "remote", "name": "R", "type": "external", "fallbackScore": 0.1,
                     "config": {"url": "http://169.254.169.254/latest"}}],
         "flows": [{"key": "f", "name": "F", "channel": "web", "placement": "p",
                    "inventory": {"offers": ["nope"]}, "maxOffers": 3}]}
        """);
    Run ko = validate(bad);
    assertThat(ko.code()).isEqualTo(1);
    // the policy's window is checked against the horizon servers run with (P90D by default), an
    // external model's URL against ARBITER_EXTERNAL_MODEL_URLS (none unless set)
    assertThat(ko.out())
        .contains("offers[x].priority")
        .contains("flows[f].inventory.offers[0]")
        .contains("contactPolicies[yearly].config.window: must be at most P90D")
        .contains("models[remote].config.url: is not allowed")
        .contains("4 problem(s)");
  }

  record Run(int code, String out) {}

  static Run validate(Path file) {
    PrintStream original = System.out;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      int code = new CommandLine(new ArbiterCommand()).execute("validate", file.toString());
      return new Run(code, buffer.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(original);
    }
  }

  /** The predictors with learned bin counts of model {@code model} of tenant {@code tenant}. */
  private static List<String> learnedPredictors(String tenant, String model) {
    return server
        .bean(org.springframework.jdbc.core.simple.JdbcClient.class)
        .sql(
            "select predictor from model_bin_counts where tenant_id = :t and model_key = :k"
                + " order by predictor")
        .param("t", server.tenantId(tenant))
        .param("k", model)
        .query(String.class)
        .list();
  }

  @Test
  void shouldForgetWhatAnImportMakesMeaninglessInAModelsEvidence() {
    String key = server.apiKey("evidence", "editor");
    String nb =
        """
        {"key": "nb", "name": "NB", "type": "naive_bayes", "fallbackScore": 0.2,
         "config": {"predictors": [
           {"name": "age", "type": "numeric", "bins": [%s]},
           {"name": "tier", "type": "symbolic", "values": ["gold", "silver"]}]}}""";
    String doc = "{\"models\": [" + nb.formatted("30, 50") + "]}";
    assertThat(postRaw(key, "evidence", doc, "application/json", "?mode=merge").status())
        .isEqualTo(200);
    var jdbc = server.bean(org.springframework.jdbc.core.simple.JdbcClient.class);
    for (String predictor : List.of("", "age", "tier")) {
      jdbc.sql(
              "insert into model_bin_counts (tenant_id, model_key, offer_key, predictor, bin,"
                  + " positives, negatives, updated_at) values (:t, 'nb', 'o', :p, 0, 1, 1, now())")
          .param("t", server.tenantId("evidence"))
          .param("p", predictor)
          .update();
    }

    // a merge that moves age's cut points: its counts go, the totals and tier's stay
    String moved = "{\"models\": [" + nb.formatted("30, 60") + "]}";
    assertThat(postRaw(key, "evidence", moved, "application/json", "?mode=merge").status())
        .isEqualTo(200);
    assertThat(learnedPredictors("evidence", "nb")).containsExactly("", "tier");

    // a replace whose document lacks the model deletes it, and with it what it learned
    assertThat(
            postRaw(key, "evidence", "{\"models\": []}", "application/json", "?mode=replace")
                .status())
        .isEqualTo(200);
    assertThat(learnedPredictors("evidence", "nb")).isEmpty();
  }
}
