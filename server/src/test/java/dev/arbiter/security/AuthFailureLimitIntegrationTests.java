package dev.arbiter.security;

import static dev.arbiter.testsupport.TestServer.auth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.testsupport.TestServer;
import dev.arbiter.testsupport.TestServer.Response;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Failed authentications limited per client address, over HTTP: the address is refused with 429
 * before any lookup once over its limit, keys the node already knows still work, the forwarded
 * client counts only behind a trusted proxy, and the refusal ends when the next failure would fit.
 */
class AuthFailureLimitIntegrationTests {
  private static final String BAD_KEY = "ak_" + "x".repeat(40);

  private static String[] badKey(String... more) {
    String[] headers = new String[4 + more.length];
    headers[0] = "Authorization";
    headers[1] = "Bearer " + BAD_KEY;
    headers[2] = "X-Tenant-Id";
    headers[3] = "acme";
    System.arraycopy(more, 0, headers, 4, more.length);
    return headers;
  }

  private static double metric(TestServer server, String line) {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(line) + " (\\S+)$")
            .matcher(server.get("/metrics").body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void shouldRefuseAnAddressOverItsLimitBeforeAnyLookupButKeepKeysItKnows() {
    try (TestServer server = TestServer.start(Map.of("ARBITER_AUTH_FAILURE_LIMIT", "3/1m"))) {
      String known = server.apiKey("acme", "viewer");
      assertThat(server.get("/api/v1/me", auth(known, "acme")).status()).isEqualTo(200);
      String unused = server.apiKey("acme", "viewer");

      for (int i = 0; i < 4; i++) {
        Response r = server.get("/api/v1/me", badKey());
        assertThat(r.status()).as("failure %d is looked up and answered", i + 1).isEqualTo(401);
        assertThat(r.code()).isEqualTo("AUTH_INVALID_API_KEY");
      }
      Response refused = server.get("/api/v1/me", badKey());
      assertThat(refused.status()).isEqualTo(429);
      assertThat(refused.code()).isEqualTo("RATE_LIMITED");
      assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 20L);

      assertThat(server.get("/api/v1/me", auth(known, "acme")).status())
          .as("a key valid on this node recently is no guess: still served")
          .isEqualTo(200);
      assertThat(server.get("/api/v1/me", auth(unused, "acme")).status())
          .as("a key not yet known would need a lookup: refused like any other")
          .isEqualTo(429);
      assertThat(server.get("/api/v1/me").code())
          .as("a request without a credential needs no lookup: answered as ever")
          .isEqualTo("AUTH_MISSING_TOKEN");
      assertThat(server.get("/api/health").status()).as("probes are not refused").isEqualTo(200);

      assertThat(metric(server, "arbiter_auth_failures_total{code=\"AUTH_INVALID_API_KEY\"}"))
          .isEqualTo(4);
      assertThat(metric(server, "arbiter_auth_refused_total")).isEqualTo(2);
      assertThat(metric(server, "arbiter_auth_refused_addresses")).isEqualTo(1);
    }
  }

  /**
   * A wrong cron secret is a failed authentication too: an address guessing it is refused before
   * its next secret is compared, the right one included, and its API-key guesses share the limit.
   */
  @Test
  void shouldRefuseAnAddressGuessingTheCronSecret() {
    String secret = "cron-secret-0123456789abcdef";
    String path = "/api/v1/cron/outbox-reaper";
    try (TestServer server =
        TestServer.start(Map.of("ARBITER_AUTH_FAILURE_LIMIT", "3/1m", "CRON_SECRET", secret))) {
      assertThat(server.post(path, null, "X-Cron-Secret", secret).status()).isEqualTo(200);
      for (int i = 0; i < 4; i++) {
        Response r = server.post(path, null, "X-Cron-Secret", "guess-" + i);
        assertThat(r.status()).as("guess %d is compared and answered", i + 1).isEqualTo(401);
        assertThat(r.code()).isEqualTo("CRON_UNAUTHORIZED");
      }
      Response refused = server.post(path, null, "X-Cron-Secret", secret);
      assertThat(refused.status()).isEqualTo(429);
      assertThat(refused.code()).isEqualTo("RATE_LIMITED");
      assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 20L);
      assertThat(server.get("/api/v1/me", badKey()).status())
          .as("the address is refused for key lookups too")
          .isEqualTo(429);
      assertThat(metric(server, "arbiter_auth_failures_total{code=\"CRON_UNAUTHORIZED\"}"))
          .isEqualTo(4);
      assertThat(metric(server, "arbiter_auth_refused_total")).isEqualTo(2);
    }
  }

  /**
   * A JWT needs no lookup: a user signing in from an address someone there is guessing keys from is
   * served while the address is refused for keys.
   */
  @Test
  void shouldServeAValidJwtFromAnAddressRefusedForKeys() throws Exception {
    String secret = "jwt-secret-jwt-secret-jwt-secret-0123456789";
    try (TestServer server =
        TestServer.start(Map.of("ARBITER_AUTH_FAILURE_LIMIT", "3/1m", "JWT_SECRET", secret))) {
      server.apiKey("acme", "viewer");
      for (int i = 0; i < 5; i++) {
        server.get("/api/v1/me", badKey());
      }
      assertThat(server.get("/api/v1/me", badKey()).status()).isEqualTo(429);
      com.nimbusds.jwt.SignedJWT jwt =
          new com.nimbusds.jwt.SignedJWT(
              new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS256),
              new com.nimbusds.jwt.JWTClaimsSet.Builder()
                  .subject("alice")
                  .expirationTime(java.util.Date.from(java.time.Instant.now().plusSeconds(600)))
                  .claim("roles", Map.of("acme", "viewer"))
                  .build());
      jwt.sign(new com.nimbusds.jose.crypto.MACSigner(secret.getBytes()));
      Response me =
          server.get(
              "/api/v1/me", "Authorization", "Bearer " + jwt.serialize(), "X-Tenant-Id", "acme");
      assertThat(me.status()).as(me.body()).isEqualTo(200);
    }
  }

  @Test
  void shouldNotCountRequestsThatPresentNoCredential() {
    try (TestServer server = TestServer.start(Map.of("ARBITER_AUTH_FAILURE_LIMIT", "2/1m"))) {
      for (int i = 0; i < 6; i++) {
        assertThat(server.get("/api/v1/me").code()).isEqualTo("AUTH_MISSING_TOKEN");
      }
      assertThat(server.get("/api/v1/me", badKey()).status()).isEqualTo(401);
      assertThat(metric(server, "arbiter_auth_failures_total{code=\"AUTH_MISSING_TOKEN\"}"))
          .isEqualTo(6);
    }
  }

  @Test
  void shouldCountTheForwardedClientOnlyBehindATrustedProxy() {
    try (TestServer server =
        TestServer.start(
            Map.of(
                "ARBITER_AUTH_FAILURE_LIMIT",
                "2/1m",
                "ARBITER_TRUSTED_PROXIES",
                "127.0.0.1,::1"))) {
      for (int i = 0; i < 3; i++) {
        assertThat(server.get("/api/v1/me", badKey("X-Forwarded-For", "203.0.113.5")).status())
            .isEqualTo(401);
      }
      assertThat(server.get("/api/v1/me", badKey("X-Forwarded-For", "203.0.113.5")).status())
          .isEqualTo(429);
      assertThat(server.get("/api/v1/me", badKey("X-Forwarded-For", "203.0.113.6")).status())
          .as("another client behind the same proxy")
          .isEqualTo(401);
      assertThat(
              server
                  .get("/api/v1/me", badKey("X-Forwarded-For", "198.51.100.1, 203.0.113.5"))
                  .status())
          .as("a client cannot choose its address by writing the header itself")
          .isEqualTo(429);
    }
    try (TestServer server = TestServer.start(Map.of("ARBITER_AUTH_FAILURE_LIMIT", "2/1m"))) {
      for (int i = 0; i < 3; i++) {
        assertThat(server.get("/api/v1/me", badKey("X-Forwarded-For", "203.0.113." + i)).status())
            .isEqualTo(401);
      }
      assertThat(server.get("/api/v1/me", badKey("X-Forwarded-For", "203.0.113.99")).status())
          .as("without trusted proxies the header is ignored: every try counts for the peer")
          .isEqualTo(429);
    }
  }

  @Test
  void shouldLetTheAddressTryAgainOnceTheNextFailureFits() throws Exception {
    try (TestServer server = TestServer.start(Map.of("ARBITER_AUTH_FAILURE_LIMIT", "2/2s"))) {
      for (int i = 0; i < 3; i++) {
        assertThat(server.get("/api/v1/me", badKey()).status()).isEqualTo(401);
      }
      Response refused = server.get("/api/v1/me", badKey());
      assertThat(refused.status()).isEqualTo(429);
      assertThat(refused.header("Retry-After")).isEqualTo("1");
      Thread.sleep(1_200);
      assertThat(server.get("/api/v1/me", badKey()).status()).isEqualTo(401);
    }
  }

  @Test
  void shouldNotCountValidlySignedTokensThatAreStaleNorMalformedOnes() {
    assertThat(AuthFailureLimiter.counts(AuthError.AUTH_INVALID_API_KEY)).isTrue();
    assertThat(AuthFailureLimiter.counts(AuthError.AUTH_BAD_SIGNATURE)).isTrue();
    assertThat(AuthFailureLimiter.counts(AuthError.AUTH_UNKNOWN_KEY_ID)).isTrue();
    for (AuthError error :
        List.of(
            AuthError.AUTH_MISSING_TOKEN,
            AuthError.AUTH_MALFORMED_TOKEN,
            AuthError.AUTH_TOKEN_EXPIRED,
            AuthError.AUTH_WRONG_AUDIENCE,
            AuthError.AUTH_JWKS_UNREACHABLE,
            AuthError.TENANT_REQUIRED,
            AuthError.TENANT_NOT_ALLOWED)) {
      assertThat(AuthFailureLimiter.counts(error)).as(error.code()).isFalse();
    }
    try (TestServer server = TestServer.start(Map.of("ARBITER_AUTH_FAILURE_LIMIT", "2/1m"))) {
      for (int i = 0; i < 6; i++) {
        assertThat(
                server
                    .get("/api/v1/me", "Authorization", "Bearer not.a.jwt", "X-Tenant-Id", "acme")
                    .code())
            .isEqualTo("AUTH_MALFORMED_TOKEN");
      }
      assertThat(server.get("/api/v1/me", badKey()).status()).isEqualTo(401);
    }
  }

  @Test
  void shouldRefuseNoAddressWhenTurnedOff() {
    try (TestServer server = TestServer.start(Map.of("ARBITER_AUTH_FAILURE_LIMIT", "off"))) {
      for (int i = 0; i < 30; i++) {
        assertThat(server.get("/api/v1/me", badKey()).status()).isEqualTo(401);
      }
      assertThat(metric(server, "arbiter_auth_failures_total{code=\"AUTH_INVALID_API_KEY\"}"))
          .as("failures are still counted")
          .isEqualTo(30);
    }
  }
}
