package dev.arbiter.ratelimit;

import static dev.arbiter.testsupport.TestServer.auth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.testsupport.TestRedis;
import dev.arbiter.testsupport.TestServer;
import dev.arbiter.testsupport.TestServer.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Rate limits over HTTP: headers, 429, overrides, one global limit across nodes, Redis outages. */
class RateLimitIntegrationTests {

  @Test
  void shouldCountDownAndRefuseWithRetryAfterInProcess() {
    try (TestServer server =
        TestServer.start(Map.of("RATE_LIMIT", "3/1m", "RATE_LIMIT_TENANTS", "vip=5/1m"))) {
      String key = server.apiKey("acme", "viewer");
      for (int expected = 2; expected >= 0; expected--) {
        Response r = server.get("/api/v1/me", auth(key, "acme"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("X-RateLimit-Limit")).isEqualTo("3");
        assertThat(r.header("X-RateLimit-Remaining")).isEqualTo(Integer.toString(expected));
      }
      Response limited = server.get("/api/v1/me", auth(key, "acme"));
      assertThat(limited.status()).isEqualTo(429);
      assertThat(limited.code()).isEqualTo("RATE_LIMITED");
      assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1L, 20L);
      assertThat(limited.header("X-RateLimit-Remaining")).isEqualTo("0");

      String other = server.apiKey("acme", "viewer");
      assertThat(server.get("/api/v1/me", auth(other, "acme")).status())
          .as("own bucket per credential")
          .isEqualTo(200);

      String vip = server.apiKey("vip", "viewer");
      assertThat(server.get("/api/v1/me", auth(vip, "vip")).header("X-RateLimit-Limit"))
          .isEqualTo("5");

      assertThat(server.get("/api/health").header("X-RateLimit-Limit"))
          .as("probes are not limited")
          .isNull();
      assertThat(
              server
                  .get("/api/health")
                  .json()
                  .path("checks")
                  .path("redis")
                  .path("status")
                  .asString())
          .isEqualTo("disabled");
    }
  }

  @Test
  void shouldEnforceOneGlobalLimitAcrossTwoNodesSharingRedis() throws Exception {
    Map<String, String> env = new java.util.HashMap<>(TestServer.sharedEnvWithRedis());
    env.put("RATE_LIMIT", "40/1h");
    try (TestServer a = TestServer.startWithEnv(env);
        TestServer b = TestServer.startWithEnv(env)) {
      String key = a.apiKey("acme", "viewer");
      assertThat(a.get("/api/health").json().path("checks").path("redis").path("status").asString())
          .isEqualTo("up");
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
          TestServer node = i % 2 == 0 ? a : b;
          results.add(pool.submit(() -> node.get("/api/v1/me", auth(key, "acme")).status()));
        }
        int ok = 0;
        int limited = 0;
        for (Future<Integer> f : results) {
          int status = f.get();
          if (status == 200) {
            ok++;
          } else if (status == 429) {
            limited++;
          }
        }
        assertThat(ok).isEqualTo(40);
        assertThat(limited).isEqualTo(80);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void shouldFallBackWhileRedisIsDownAndReturnByItself() throws Exception {
    try (TestRedis.DedicatedRedis redis = TestRedis.startDedicated();
        TestServer server =
            TestServer.start(Map.of("REDIS_URL", redis.url(), "RATE_LIMIT", "1000/1s"))) {
      String key = server.apiKey("acme", "viewer");
      assertThat(server.get("/api/ready").status()).isEqualTo(200);

      redis.stop();
      Instant t0 = Instant.now();
      Response during = server.get("/api/v1/me", auth(key, "acme"));
      assertThat(during.status()).isEqualTo(200);
      assertThat(during.header("X-RateLimit-Limit")).isEqualTo("1000");
      assertThat(Duration.between(t0, Instant.now())).isLessThan(Duration.ofSeconds(2));
      Response health = server.get("/api/health");
      assertThat(health.status()).isEqualTo(200);
      assertThat(health.json().path("status").asString()).isEqualTo("degraded");
      assertThat(health.json().path("checks").path("redis").path("status").asString())
          .isEqualTo("down");
      assertThat(
              health
                  .json()
                  .path("checks")
                  .path("redis")
                  .path("details")
                  .path("fallback")
                  .asString())
          .contains("in-process");
      assertThat(server.get("/api/ready").status()).isEqualTo(503);
      assertThat(server.get("/metrics").body()).contains("arbiter_ratelimit_degraded 1.0");

      redis.start();
      Instant deadline = Instant.now().plusSeconds(15);
      String status = "";
      while (Instant.now().isBefore(deadline) && !status.equals("up")) {
        Thread.sleep(200);
        status =
            server.get("/api/health").json().path("checks").path("redis").path("status").asString();
      }
      assertThat(status).isEqualTo("up");
      assertThat(server.get("/api/health").json().path("status").asString()).isEqualTo("ok");
      assertThat(server.get("/api/ready").status()).isEqualTo(200);
      assertThat(server.get("/api/v1/me", auth(key, "acme")).status()).isEqualTo(200);
    }
  }
}
