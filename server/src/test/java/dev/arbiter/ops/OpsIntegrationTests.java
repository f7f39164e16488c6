package dev.arbiter.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.testsupport.TestServer;
import dev.arbiter.testsupport.TestServer.Response;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class OpsIntegrationTests {
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /**
   * The probes need no credential: by default they leave out where the dependencies are, error
   * texts and which tenant's model has an open breaker, and keep statuses and counts; {@code
   * ARBITER_HEALTH_DETAILS=full} shows everything.
   */
  @Test
  void shouldKeepAddressesErrorsAndTenantsOutOfTheProbesUnlessTold() {
    java.util.Map<String, String> env = new java.util.HashMap<>(TestServer.sharedEnvWithRedis());
    String dbUrl = env.get("DATABASE_URL");
    String dbPort = dbUrl.replaceAll("^.*:(\\d+)/.*$", "$1");
    String redisPort = Integer.toString(dev.arbiter.testsupport.TestRedis.uri().getPort());
    for (String details : java.util.List.of("safe", "full")) {
      env.put("ARBITER_HEALTH_DETAILS", details);
      try (TestServer node = TestServer.startWithEnv(env)) {
        String tenantId =
            node.bean(dev.arbiter.tenant.TenantService.class).findOrCreate("acme", "Acme").id();
        dev.arbiter.scoring.ModelCircuitBreakers breakers =
            node.bean(dev.arbiter.scoring.ModelCircuitBreakers.class);
        for (int i = 0; i < 5; i++) {
          breakers.record(tenantId, "secret-model", "thompson", true);
        }
        for (String probe : java.util.List.of("/api/health", "/api/ready")) {
          Response r = node.get(probe);
          JsonNode checks = r.json().path("checks");
          assertThat(checks.path("circuitBreakers").path("details").path("openCount").asInt())
              .isEqualTo(1);
          assertThat(checks.path("database").path("details").path("pool").has("max")).isTrue();
          assertThat(checks.path("redis").path("status").asString()).isEqualTo("up");
          if (details.equals("safe")) {
            assertThat(r.body())
                .as(probe)
                .doesNotContain(tenantId)
                .doesNotContain("secret-model")
                .doesNotContain(":" + dbPort)
                .doesNotContain(":" + redisPort)
                .doesNotContain("\"target\"");
          } else {
            assertThat(checks.path("database").path("details").path("target").asString())
                .contains(dbPort);
            assertThat(checks.path("redis").path("details").path("target").asString())
                .contains(redisPort);
            assertThat(checks.path("circuitBreakers").path("details").path("open").toString())
                .contains(tenantId + "/secret-model");
          }
        }
      }
    }
  }

  /**
   * With Redis and Kafka unreachable, the default readiness takes the node out of rotation;
   * ARBITER_READY_REQUIRES=database keeps it in, on its fallbacks, while /api/health says degraded.
   */
  @Test
  void shouldStayReadyWithoutRedisAndKafkaWhenOnlyTheDatabaseIsRequired() throws Exception {
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    for (String requires : java.util.List.of("all", "database")) {
      try (TestServer node =
          TestServer.start(
              java.util.Map.of(
                  "REDIS_URL", "redis://127.0.0.1:" + closed,
                  "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + closed,
                  "ARBITER_READY_REQUIRES", requires))) {
        Response health = node.get("/api/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().path("status").asString()).isEqualTo("degraded");
        assertThat(health.json().path("checks").path("redis").path("status").asString())
            .isEqualTo("down");
        assertThat(health.json().path("checks").path("kafka").path("status").asString())
            .isEqualTo("down");
        Response ready = node.get("/api/ready");
        assertThat(ready.status())
            .as(requires + ": " + ready.body())
            .isEqualTo(requires.equals("all") ? 503 : 200);
        assertThat(ready.json().path("status").asString())
            .isEqualTo(requires.equals("all") ? "degraded" : "ready");
        // the checks are shown either way
        assertThat(ready.json().path("checks").path("redis").path("status").asString())
            .isEqualTo("down");
      }
    }
  }

  @Test
  void shouldReportHealthWithPoolDetails() {
    Response r = server.get("/api/health");
    assertThat(r.status()).isEqualTo(200);
    JsonNode body = r.json();
    assertThat(body.path("status").asString()).isEqualTo("ok");
    assertThat(body.path("version").asString()).isNotBlank();
    assertThat(body.path("timestamp").asString()).isNotBlank();
    assertThat(body.has("uptime")).isTrue();
    JsonNode db = body.path("checks").path("database");
    assertThat(db.path("status").asString()).isEqualTo("up");
    assertThat(db.has("latencyMs")).isTrue();
    assertThat(db.path("details").path("pool").path("max").asInt()).isEqualTo(50);
    assertThat(db.path("details").path("pool").has("inUse")).isTrue();
    assertThat(db.path("details").path("pool").has("idle")).isTrue();
  }

  @Test
  void shouldBeReadyAndAlive() {
    Response ready = server.get("/api/ready");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().path("status").asString()).isEqualTo("ready");
    Response live = server.get("/health/live");
    assertThat(live.status()).isEqualTo(200);
    assertThat(live.json().path("status").asString()).isEqualTo("alive");
  }

  @Test
  void shouldExportPrometheusMetricsAllPrefixed() {
    server.get("/api/health");
    Response r = server.get("/metrics");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).startsWith("text/plain");
    String[] samples =
        Arrays.stream(r.body().split("\n"))
            .filter(l -> !l.isBlank() && !l.startsWith("#"))
            .toArray(String[]::new);
    assertThat(samples).isNotEmpty();
    assertThat(samples).allSatisfy(l -> assertThat(l).startsWith("arbiter_"));
    assertThat(r.body())
        .contains("arbiter_http_server_requests_seconds_count")
        .contains("arbiter_jvm_memory_used_bytes")
        .contains("arbiter_hikaricp_connections_max")
        .contains("arbiter_interactions_partitions_dropped_total");
  }

  @Test
  void shouldServeAnOpenApiDocumentOfTheApi() {
    Response r = server.get("/api/openapi.json");
    assertThat(r.status()).isEqualTo(200);
    JsonNode paths = r.json().path("paths");
    assertThat(paths.has("/api/v1/api-keys")).isTrue();
    assertThat(paths.has("/api/v1/tenants")).isTrue();
    assertThat(paths.has("/api/health")).isTrue();
    assertThat(paths.has("/api/v1/outcome-types")).isTrue();
    assertThat(paths.has("/api/v1/budgets/{offerKey}")).isTrue();
    assertThat(paths.path("/api/v1/respond").path("post").path("requestBody").toString())
        .contains("RespondRequest");
    assertThat(paths.path("/api/v1/recommend").path("post").path("requestBody").toString())
        .contains("RecommendRequest");
    assertThat(r.json().path("components").path("schemas").path("RecommendRequest").toString())
        .contains("customerId", "flowKey", "attributes");
    assertThat(r.json().path("components").path("schemas").path("RespondRequest").toString())
        .contains("decisionId", "offerKey", "customerId", "outcome", "occurredAt");
    assertThat(r.body()).contains("X-Tenant-Id").doesNotContain("\"caller\"");
    assertThat(r.json().path("components").path("securitySchemes").has("bearer")).isTrue();
  }

  /** API.md: the document describes every shape, the catalog's six kinds included. */
  @Test
  void shouldDescribeEveryCatalogKindWithItsOwnPathsAndSchema() {
    JsonNode doc = server.get("/api/openapi.json").json();
    JsonNode paths = doc.path("paths");
    JsonNode schemas = doc.path("components").path("schemas");
    assertThat(paths.has("/api/v1/{kind}")).isFalse();
    for (String kind :
        java.util.List.of(
            "offers",
            "qualification-rules",
            "contact-policies",
            "models",
            "arbitration-profiles",
            "flows")) {
      assertThat(paths.path("/api/v1/" + kind).has("get")).as(kind).isTrue();
      assertThat(paths.path("/api/v1/" + kind).has("post")).as(kind).isTrue();
      for (String verb : java.util.List.of("get", "put", "delete")) {
        assertThat(paths.path("/api/v1/" + kind + "/{key}").has(verb))
            .as(kind + " " + verb)
            .isTrue();
      }
      assertThat(paths.path("/api/v1/" + kind).path("post").toString())
          .as(kind)
          .contains("X-Tenant-Id", "bearer");
    }
    assertThat(paths.path("/api/v1/offers").path("post").path("requestBody").toString())
        .contains("#/components/schemas/Offer\"");
    assertThat(schemas.path("Offer").path("properties").toString())
        .contains("\"key\"", "\"priority\"", "\"budget\"", "\"channels\"", "\"rowVersion\"");
    assertThat(schemas.path("Offer").path("properties").path("status").path("enum").toString())
        .contains("active", "paused");
    assertThat(schemas.path("Model").path("properties").path("type").path("enum").toString())
        .contains("thompson", "naive_bayes", "external");
    assertThat(
            schemas.path("ContactPolicy").path("properties").path("type").path("enum").toString())
        .contains("frequency_cap", "cooldown", "channel_fatigue");
    assertThat(schemas.path("ArbitrationProfile").path("properties").path("formula").toString())
        .contains("prie", "weighted_sum");
    assertThat(scopeTypes(schemas, "ContactPolicy"))
        .isEqualTo("[\"global\",\"channel\",\"category\",\"offer\"]");
    assertThat(scopeTypes(schemas, "QualificationRule"))
        .isEqualTo("[\"all\",\"category\",\"subcategory\",\"offer\"]");
    assertThat(schemas.path("Flow").path("properties").toString())
        .contains("\"inventory\"", "\"maxOffers\"", "\"modelKey\"");
    assertThat(schemas.path("FlowView").path("allOf").toString()).contains("CatalogResourceMeta");
    assertThat(schemas.path("OfferPage").path("properties").has("pagination")).isTrue();
  }

  /** The scope types {@code kind}'s schema enumerates, as JSON. */
  private static String scopeTypes(JsonNode schemas, String kind) {
    return schemas
        .path(kind)
        .path("properties")
        .path("scope")
        .path("properties")
        .path("type")
        .path("enum")
        .toString();
  }

  @Test
  void shouldNeedNoCredentialsForProbes() {
    assertThat(server.get("/api/health").status()).isEqualTo(200);
    assertThat(server.get("/metrics").status()).isEqualTo(200);
  }

  /**
   * Every pooled connection in use: the database still answers them, so /api/health stays 200 with
   * the database degraded (pool exhausted), while /api/ready takes the node out of rotation.
   */
  @Test
  void shouldReportASaturatedPoolAsDegradedNotDown() throws Exception {
    try (TestServer small =
        TestServer.start(
            java.util.Map.of(
                "PG_POOL_MAX",
                "3",
                "PG_POOL_TIMEOUT_MS",
                "250",
                "ARBITER_HEALTH_DETAILS",
                "full"))) {
      assertThat(small.get("/api/health").status()).isEqualTo(200);
      javax.sql.DataSource pool = small.bean(javax.sql.DataSource.class);
      java.util.List<java.sql.Connection> held = new java.util.ArrayList<>();
      try {
        while (true) {
          try {
            held.add(pool.getConnection());
          } catch (java.sql.SQLException e) {
            break; // every connection is held
          }
        }
        Response health = small.get("/api/health");
        assertThat(health.status()).as(health.body()).isEqualTo(200);
        JsonNode database = health.json().path("checks").path("database");
        assertThat(database.path("status").asString()).isEqualTo("degraded");
        assertThat(database.path("details").path("error").asString()).contains("pool exhausted");
        assertThat(health.json().path("status").asString()).isEqualTo("degraded");
        assertThat(small.get("/api/ready").status()).isEqualTo(503);
      } finally {
        for (java.sql.Connection c : held) {
          c.close();
        }
      }
      assertThat(
              small
                  .get("/api/health")
                  .json()
                  .path("checks")
                  .path("database")
                  .path("status")
                  .asString())
          .isEqualTo("up");
    }
  }
}
