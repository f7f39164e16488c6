package dev.arbiter.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.arbiter.testsupport.TestServer;
import dev.arbiter.testsupport.TestServer.Response;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** JWT bearer tokens over HTTP: every failure code, tenants from the roles claim, operators. */
class JwtAuthIntegrationTests {
  static final String SECRET = "jwt-secret-jwt-secret-jwt-secret-0123456789";
  static TestServer server;

  @BeforeAll
  static void start() {
    server =
        TestServer.start(
            Map.of(
                "JWT_SECRET", SECRET, "JWT_ISSUER", "https://idp.test", "JWT_AUDIENCE", "arbiter"));
    server.apiKey("acme", "admin");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String token(Map<String, Object> roles, Instant exp, String issuer, String secret)
      throws Exception {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject("alice")
            .issuer(issuer)
            .audience("arbiter")
            .expirationTime(Date.from(exp))
            .claim("roles", roles)
            .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    jwt.sign(new MACSigner(secret.getBytes()));
    return jwt.serialize();
  }

  static String token(Map<String, Object> roles) throws Exception {
    return token(roles, Instant.now().plusSeconds(600), "https://idp.test", SECRET);
  }

  static Response me(String token, String tenant) {
    return server.get("/api/v1/me", "Authorization", "Bearer " + token, "X-Tenant-Id", tenant);
  }

  @Test
  void shouldTakeTheRoleForTheTenantFromTheClaims() throws Exception {
    Response r = me(token(Map.of("acme", "editor")), "acme");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().path("role").asString()).isEqualTo("editor");
    assertThat(r.json().path("credential").asString()).isEqualTo("jwt:alice");
  }

  @Test
  void shouldRefuseATenantTheTokenHasNoRoleIn() throws Exception {
    Response r = me(token(Map.of("beta", "admin")), "acme");
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.code()).isEqualTo("TENANT_NOT_ALLOWED");
  }

  @Test
  void shouldNameEachTokenFailure() throws Exception {
    assertThat(
            me(
                    token(
                        Map.of("acme", "admin"),
                        Instant.now().minusSeconds(3600),
                        "https://idp.test",
                        SECRET),
                    "acme")
                .code())
        .isEqualTo("AUTH_TOKEN_EXPIRED");
    assertThat(
            me(
                    token(
                        Map.of("acme", "admin"),
                        Instant.now().plusSeconds(600),
                        "https://evil.test",
                        SECRET),
                    "acme")
                .code())
        .isEqualTo("AUTH_WRONG_ISSUER");
    assertThat(
            me(
                    token(
                        Map.of("acme", "admin"),
                        Instant.now().plusSeconds(600),
                        "https://idp.test",
                        SECRET.replace('j', 'k')),
                    "acme")
                .code())
        .isEqualTo("AUTH_BAD_SIGNATURE");
    assertThat(me("not.a.jwt", "acme").code()).isEqualTo("AUTH_MALFORMED_TOKEN");
    assertThat(me("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "acme").code())
        .isEqualTo("AUTH_UNSUPPORTED_ALGORITHM");
    Response r = me(token(Map.of("acme", "admin")), "");
    assertThat(r.code()).isEqualTo("TENANT_REQUIRED");
  }

  @Test
  void shouldLetPlatformOperatorsManageTenants() throws Exception {
    String operator = token(Map.of("*", "admin"));
    Response created =
        server.post(
            "/api/v1/tenants",
            Map.of("key", "globex", "name", "Globex"),
            "Authorization",
            "Bearer " + operator);
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().path("key").asString()).isEqualTo("globex");
    assertThat(created.json().path("rowVersion").asLong()).isEqualTo(1);
    Response dup =
        server.post(
            "/api/v1/tenants", Map.of("key", "globex"), "Authorization", "Bearer " + operator);
    assertThat(dup.status()).isEqualTo(409);
    assertThat(dup.code()).isEqualTo("DUPLICATE_KEY");
    Response bad =
        server.post(
            "/api/v1/tenants", Map.of("key", "Bad Key!"), "Authorization", "Bearer " + operator);
    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.json().path("errors").get(0).path("field").asString()).isEqualTo("key");
    Response list = server.get("/api/v1/tenants", "Authorization", "Bearer " + operator);
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json().path("data").findValuesAsString("key")).contains("acme", "globex");
    assertThat(me(operator, "globex").json().path("role").asString()).isEqualTo("admin");
    Response missing = me(operator, "no-such-tenant");
    assertThat(missing.status()).isEqualTo(404);
  }

  @Test
  void shouldKeepTenantManagementFromTenantAdmins() throws Exception {
    Response r =
        server.post(
            "/api/v1/tenants",
            Map.of("key", "sneaky"),
            "Authorization",
            "Bearer " + token(Map.of("acme", "admin")),
            "X-Tenant-Id",
            "acme");
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.code()).isEqualTo("FORBIDDEN_ROLE");
    String key = server.apiKey("acme", "admin");
    Response viaKey = server.get("/api/v1/tenants", "Authorization", "Bearer " + key);
    assertThat(viaKey.status()).isEqualTo(403);
  }

  @Test
  void shouldSayWhenJwtIsNotConfiguredOrTheIdentityProviderIsDown() throws Exception {
    try (TestServer plain = TestServer.start()) {
      Response r =
          plain.get(
              "/api/v1/me",
              "Authorization",
              "Bearer " + token(Map.of("acme", "admin")),
              "X-Tenant-Id",
              "acme");
      assertThat(r.status()).isEqualTo(401);
      assertThat(r.code()).isEqualTo("AUTH_JWT_NOT_CONFIGURED");
    }
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (TestServer jwks =
        TestServer.start(Map.of("JWKS_URL", "http://127.0.0.1:" + closedPort + "/jwks.json"))) {
      String rs256 =
          "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ4IiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2lnbmF0dXJl";
      Response r =
          jwks.get("/api/v1/me", "Authorization", "Bearer " + rs256, "X-Tenant-Id", "acme");
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.code()).isEqualTo("AUTH_JWKS_UNREACHABLE");
    }
  }
}
