package dev.arbiter.security;

import static dev.arbiter.testsupport.TestServer.auth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.testsupport.TestServer;
import dev.arbiter.testsupport.TestServer.Response;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ApiKeyAuthIntegrationTests {
  static TestServer server;
  static String acmeAdmin;
  static String acmeViewer;
  static String acmeDecision;
  static String betaAdmin;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    acmeAdmin = server.apiKey("acme", "admin");
    acmeViewer = server.apiKey("acme", "viewer");
    acmeDecision = server.apiKey("acme", "decision");
    betaAdmin = server.apiKey("beta", "admin");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void shouldAnswerMissingTokenWithItsOwnCode() {
    Response r = server.get("/api/v1/me", "X-Tenant-Id", "acme");
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.code()).isEqualTo("AUTH_MISSING_TOKEN");
    assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    assertThat(r.json().path("requestId").asString()).isEqualTo(r.header("X-Request-ID"));
    assertThat(r.json().path("type").asString())
        .isEqualTo("urn:arbiter:problem:auth-missing-token");
  }

  @Test
  void shouldNotLetAnotherSpellingOfAPathSkipAuthentication() {
    for (String path :
        java.util.List.of("/%61pi/v1/tenants", "/api/%761/tenants", "/%61pi/v1/api-keys")) {
      Response get = server.get(path);
      assertThat(get.status()).as(path).isEqualTo(401);
      assertThat(get.code()).as(path).isEqualTo("AUTH_MISSING_TOKEN");
      assertThat(server.post(path, Map.of("key", "evil")).status()).as(path).isEqualTo(401);
    }
    for (String path :
        java.util.List.of(
            "/api;x/v1/tenants",
            "/api/v1;x/tenants",
            "/api/v1//tenants",
            "/api/v1/%2e%2e/v1/tenants",
            "/api/v1/tenants%2f")) {
      Response r = server.get(path);
      assertThat(r.status()).as(path).isEqualTo(400);
      if (!path.contains("%2")) {
        // Encoded separators are refused by the servlet container itself, before any filter.
        assertThat(r.code()).as(path).isEqualTo("AMBIGUOUS_PATH");
      }
    }
  }

  @Test
  void shouldRefuseANonBearerScheme() {
    Response r =
        server.get("/api/v1/me", "Authorization", "Basic dXNlcjpwYXNz", "X-Tenant-Id", "acme");
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.code()).isEqualTo("AUTH_MALFORMED_TOKEN");
  }

  @Test
  void shouldRefuseAnUnknownApiKey() {
    Response r = server.get("/api/v1/me", auth("ak_doesnotexist", "acme"));
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.code()).isEqualTo("AUTH_INVALID_API_KEY");
  }

  @Test
  void shouldRequireTheTenantHeader() {
    Response r = server.get("/api/v1/me", "Authorization", "Bearer " + acmeAdmin);
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.code()).isEqualTo("TENANT_REQUIRED");
  }

  @Test
  void shouldGiveAnotherTenantsCredentialNothing() {
    Response r = server.get("/api/v1/api-keys", auth(betaAdmin, "acme"));
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.code()).isEqualTo("TENANT_NOT_ALLOWED");
    Response unknown = server.get("/api/v1/api-keys", auth(betaAdmin, "no-such-tenant"));
    assertThat(unknown.status()).isEqualTo(403);
    assertThat(unknown.code()).isEqualTo("TENANT_NOT_ALLOWED");
  }

  @Test
  void shouldIdentifyTheCaller() {
    Response r = server.get("/api/v1/me", auth(acmeViewer, "acme"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().path("tenant").asString()).isEqualTo("acme");
    assertThat(r.json().path("role").asString()).isEqualTo("viewer");
    assertThat(r.json().path("credential").asString()).startsWith("key:");
  }

  @Test
  void shouldForbidAViewersWrite() {
    Response r =
        server.post(
            "/api/v1/api-keys", Map.of("name", "x", "role", "admin"), auth(acmeViewer, "acme"));
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.code()).isEqualTo("FORBIDDEN_ROLE");
  }

  @Test
  void shouldForbidDecisionCredentialsFromAdministration() {
    Response r = server.get("/api/v1/api-keys", auth(acmeDecision, "acme"));
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.code()).isEqualTo("FORBIDDEN_ROLE");
  }

  @Test
  void shouldRefuseHandlersThatDeclareNoPermission() {
    Response r = server.get("/api/v1/test/undeclared", auth(acmeAdmin, "acme"));
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.code()).isEqualTo("FORBIDDEN_ROLE");
  }

  @Test
  void shouldCreateAKeyShownOnceThatWorksAndListsWithoutTheSecret() {
    Response created =
        server.post(
            "/api/v1/api-keys",
            Map.of("name", "web channel", "role", "decision"),
            auth(acmeAdmin, "acme"));
    assertThat(created.status()).isEqualTo(201);
    String key = created.json().path("key").asString();
    assertThat(key).startsWith("ak_").hasSizeGreaterThan(40);
    assertThat(created.json().path("role").asString()).isEqualTo("decision");

    Response me = server.get("/api/v1/me", auth(key, "acme"));
    assertThat(me.json().path("role").asString()).isEqualTo("decision");

    Response list = server.get("/api/v1/api-keys?limit=500", auth(acmeAdmin, "acme"));
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.body()).doesNotContain(key).contains("web channel");
    assertThat(list.json().path("pagination").path("hasMore").asBoolean()).isFalse();
  }

  @Test
  void shouldValidateANewKeyField() {
    Response r = server.post("/api/v1/api-keys", Map.of("role", "root"), auth(acmeAdmin, "acme"));
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.code()).isEqualTo("VALIDATION_FAILED");
    assertThat(r.json().path("errors").findValuesAsString("field"))
        .containsExactlyInAnyOrder("name", "role");
  }

  @Test
  void shouldStopAcceptingARevokedKeyAtOnce() {
    Response created =
        server.post(
            "/api/v1/api-keys", Map.of("name", "temp", "role", "viewer"), auth(acmeAdmin, "acme"));
    String key = created.json().path("key").asString();
    String id = created.json().path("id").asString();
    assertThat(server.get("/api/v1/me", auth(key, "acme")).status()).isEqualTo(200);

    assertThat(server.delete("/api/v1/api-keys/" + id, auth(acmeAdmin, "acme")).status())
        .isEqualTo(204);

    Response after = server.get("/api/v1/me", auth(key, "acme"));
    assertThat(after.status()).isEqualTo(401);
    assertThat(after.code()).isEqualTo("AUTH_INVALID_API_KEY");
    assertThat(server.delete("/api/v1/api-keys/" + id, auth(acmeAdmin, "acme")).status())
        .isEqualTo(404);

    // both in the audit log, with who did it, nothing of the secret
    tools.jackson.databind.JsonNode audit =
        server
            .get("/api/v1/audit-log?kind=api_key&key=" + id, auth(acmeAdmin, "acme"))
            .json()
            .path("data");
    assertThat(audit.findValuesAsString("action")).containsExactly("revoke", "create");
    assertThat(audit.get(1).path("after").path("role").asString()).isEqualTo("viewer");
    assertThat(audit.get(0).path("actor").asString())
        .isEqualTo(audit.get(1).path("actor").asString());
    assertThat(audit.toString()).doesNotContain(key);
  }

  /**
   * A key revoked on one node stops working on another at once (the revocation's NOTIFY empties
   * that node's cache), not after the cache's 30 s.
   */
  @Test
  void shouldStopAcceptingAKeyRevokedOnAnotherNode() {
    Map<String, String> env =
        Map.of("DATABASE_URL", dev.arbiter.testsupport.TestDatabase.newDatabase());
    try (TestServer a = TestServer.startWithEnv(env);
        TestServer b = TestServer.startWithEnv(env)) {
      String admin = a.apiKey("acme", "admin");
      Response created =
          a.post(
              "/api/v1/api-keys", Map.of("name", "shared", "role", "viewer"), auth(admin, "acme"));
      String key = created.json().path("key").asString();
      // node b has it cached as live
      assertThat(b.get("/api/v1/me", auth(key, "acme")).status()).isEqualTo(200);
      assertThat(
              b.get("/api/health")
                  .json()
                  .path("checks")
                  .path("apiKeyListener")
                  .path("status")
                  .asString())
          .isEqualTo("up");

      assertThat(
              a.delete(
                      "/api/v1/api-keys/" + created.json().path("id").asString(),
                      auth(admin, "acme"))
                  .status())
          .isEqualTo(204);

      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(5))
          .pollInterval(java.time.Duration.ofMillis(50))
          .until(() -> b.get("/api/v1/me", auth(key, "acme")).status() == 401);
    }
  }

  @Test
  void shouldNotLetOneTenantRevokeAnothersKey() {
    Response created =
        server.post(
            "/api/v1/api-keys",
            Map.of("name", "beta key", "role", "viewer"),
            auth(betaAdmin, "beta"));
    String id = created.json().path("id").asString();
    Response r = server.delete("/api/v1/api-keys/" + id, auth(acmeAdmin, "acme"));
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.code()).isEqualTo("NOT_FOUND");
    assertThat(
            server.get("/api/v1/me", auth(created.json().path("key").asString(), "beta")).status())
        .isEqualTo(200);
  }

  @Test
  void shouldPageThroughKeysWithCursors() {
    for (int i = 0; i < 3; i++) {
      server.post(
          "/api/v1/api-keys",
          Map.of("name", "page " + i, "role", "viewer"),
          auth(betaAdmin, "beta"));
    }
    Response first = server.get("/api/v1/api-keys?limit=2", auth(betaAdmin, "beta"));
    assertThat(first.json().path("data").size()).isEqualTo(2);
    assertThat(first.json().path("pagination").path("hasMore").asBoolean()).isTrue();
    String cursor = first.json().path("pagination").path("nextCursor").asString();
    Response second =
        server.get("/api/v1/api-keys?limit=2&cursor=" + cursor, auth(betaAdmin, "beta"));
    assertThat(second.json().path("data").get(0).path("id").asString())
        .isGreaterThan(first.json().path("data").get(1).path("id").asString());
    assertThat(server.get("/api/v1/api-keys?limit=0", auth(betaAdmin, "beta")).status())
        .isEqualTo(422);
    assertThat(server.get("/api/v1/api-keys?cursor=not!a!cursor", auth(betaAdmin, "beta")).status())
        .isEqualTo(422);
  }
}
