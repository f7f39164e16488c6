package dev.arbiter.db;

import static dev.arbiter.testsupport.TestServer.auth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.testsupport.TestServer;
import dev.arbiter.testsupport.TestServer.Response;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Stops the server's PostgreSQL under it: probes and requests must answer 503 quickly, and the
 * server must recover by itself when the database is back, without losing what it stored.
 */
class DatabaseOutageIntegrationTests {

  private static EmbeddedPostgres startPostgres(Path dir, int port) throws Exception {
    EmbeddedPostgres.Builder b =
        EmbeddedPostgres.builder()
            .setDataDirectory(dir)
            .setCleanDataDirectory(false)
            .setOutputRedirector(ProcessBuilder.Redirect.DISCARD)
            .setErrorRedirector(ProcessBuilder.Redirect.DISCARD);
    if (port > 0) {
      b.setPort(port);
    }
    return b.start();
  }

  @Test
  void shouldAnswer503WhileTheDatabaseIsDownAndRecoverWhenItIsBack() throws Exception {
    Path dir = Files.createTempDirectory("arbiter-outage-pg");
    EmbeddedPostgres pg = startPostgres(dir, 0);
    int port = pg.getPort();
    try (TestServer server =
        TestServer.startWithEnv(
            Map.of(
                "DATABASE_URL",
                "postgresql://postgres@127.0.0.1:" + port + "/postgres",
                "PG_POOL_TIMEOUT_MS",
                "500"))) {
      String key = server.apiKey("acme", "admin");
      assertThat(server.get("/api/health").status()).isEqualTo(200);

      String editor = server.apiKey("acme", "editor");
      assertThat(server.get("/api/v1/catalog", auth(editor, "acme")).status()).isEqualTo(200);
      assertThat(server.get("/api/v1/me", auth("ak_made-up", "acme")).code())
          .isEqualTo("AUTH_INVALID_API_KEY");

      pg.close();

      assertThat(server.get("/api/v1/me", auth("ak_made-up", "acme")).code())
          .as("a made-up key is remembered as unknown: no database round trip per attempt")
          .isEqualTo("AUTH_INVALID_API_KEY");

      Response catalogRead = server.get("/api/v1/catalog", auth(editor, "acme"));
      assertThat(catalogRead.status()).as("decisions keep their compiled catalog").isEqualTo(200);
      Response write =
          server.post(
              "/api/v1/models",
              Map.of(
                  "key",
                  "m",
                  "name",
                  "M",
                  "type",
                  "thompson",
                  "config",
                  Map.of(),
                  "fallbackScore",
                  0.1),
              auth(editor, "acme"));
      assertThat(write.status()).isEqualTo(503);
      assertThat(write.code()).isEqualTo("DATABASE_UNAVAILABLE");
      Thread.sleep(2500); // the listener has noticed and asked for version checks by now
      assertThat(server.get("/api/v1/catalog", auth(editor, "acme")).status()).isEqualTo(200);

      Instant t0 = Instant.now();
      Response health = server.get("/api/health");
      assertThat(health.status()).isEqualTo(503);
      assertThat(health.json().path("status").asString()).isEqualTo("degraded");
      assertThat(health.json().path("checks").path("database").path("status").asString())
          .isEqualTo("down");
      assertThat(Duration.between(t0, Instant.now())).isLessThan(Duration.ofSeconds(10));
      // the revocation listener lost its connection too: shown, with what it means
      assertThat(health.json().path("checks").path("apiKeyListener").path("status").asString())
          .isEqualTo("down");
      assertThat(
              health
                  .json()
                  .path("checks")
                  .path("apiKeyListener")
                  .path("details")
                  .path("effect")
                  .asString())
          .contains("revoked on other nodes");
      Response ready = server.get("/api/ready");
      assertThat(ready.status()).isEqualTo(503);
      assertThat(ready.json().path("status").asString()).isEqualTo("degraded");
      Response list = server.get("/api/v1/api-keys", auth(key, "acme"));
      assertThat(list.status()).isEqualTo(503);
      assertThat(list.code()).isEqualTo("DATABASE_UNAVAILABLE");
      assertThat(list.header("Retry-After")).isEqualTo("1");
      assertThat(server.get("/health/live").status()).isEqualTo(200);

      pg = startPostgres(dir, port);

      Instant deadline = Instant.now().plusSeconds(30);
      int status = 0;
      while (Instant.now().isBefore(deadline) && status != 200) {
        status = server.get("/api/health").status();
        if (status != 200) {
          Thread.sleep(250);
        }
      }
      assertThat(status).isEqualTo(200);
      int readyStatus = 0;
      while (Instant.now().isBefore(deadline) && readyStatus != 200) {
        readyStatus =
            server.get("/api/ready").status(); // the catalog listener reconnects within ~1 s
        if (readyStatus != 200) {
          Thread.sleep(250);
        }
      }
      assertThat(readyStatus).isEqualTo(200);
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  server
                      .get("/api/health")
                      .json()
                      .path("checks")
                      .path("apiKeyListener")
                      .path("status")
                      .asString()
                      .equals("up"));
      Response again = server.get("/api/v1/api-keys", auth(key, "acme"));
      assertThat(again.status()).isEqualTo(200);
      assertThat(again.json().path("data").size()).as("nothing stored was lost").isEqualTo(2);
    } finally {
      pg.close();
    }
  }

  @Test
  void shouldAnswer503NotHangWhenThePoolIsExhausted() throws Exception {
    try (TestServer server =
        TestServer.start(Map.of("PG_POOL_MAX", "1", "PG_POOL_TIMEOUT_MS", "300"))) {
      String key = server.apiKey("acme", "admin");
      javax.sql.DataSource ds = server.bean(javax.sql.DataSource.class);
      try (var held = ds.getConnection()) {
        Instant t0 = Instant.now();
        Response r = server.get("/api/v1/api-keys", auth(key, "acme"));
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.code()).isEqualTo("DATABASE_UNAVAILABLE");
        assertThat(Duration.between(t0, Instant.now())).isLessThan(Duration.ofSeconds(5));
      }
      assertThat(server.get("/api/v1/api-keys", auth(key, "acme")).status()).isEqualTo(200);
    }
  }
}
