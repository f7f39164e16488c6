package dev.arbiter.db;

import static dev.arbiter.testsupport.TestServer.auth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.testsupport.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The embedded default keeps its data under ARBITER_DATA_DIR: a restart loses nothing. */
class EmbeddedPersistenceIntegrationTests {

  @Test
  void shouldKeepTenantsAndKeysAcrossARestart() throws Exception {
    Path dataDir = Files.createTempDirectory("arbiter-persist");
    Map<String, String> env = new HashMap<>();
    env.put("ARBITER_DATA_DIR", dataDir.toString());
    env.put("ARBITER_HEALTH_DETAILS", "full"); // the database's target is a private detail
    env.remove("API_KEY_PEPPER");
    String key;
    try (TestServer first = TestServer.startWithEnv(withoutPepper(env))) {
      key = first.apiKey("acme", "admin");
      var jdbc =
          org.springframework.jdbc.core.simple.JdbcClient.create(
              first.bean(javax.sql.DataSource.class));
      assertThat(jdbc.sql("show fsync").query(String.class).single()).isEqualTo("on");
      assertThat(jdbc.sql("show synchronous_commit").query(String.class).single()).isEqualTo("on");
      assertThat(first.get("/api/v1/me", auth(key, "acme")).status()).isEqualTo(200);
      assertThat(
              first
                  .get("/api/health")
                  .json()
                  .path("checks")
                  .path("database")
                  .path("details")
                  .path("target")
                  .asString())
          .startsWith("embedded");
    }
    assertThat(dataDir.resolve("pg").resolve("PG_VERSION")).exists();
    assertThat(dataDir.resolve("api-key-pepper")).exists();
    assertThat(dataDir.resolve("pg").resolve("postmaster.pid")).doesNotExist();

    try (TestServer second = TestServer.startWithEnv(withoutPepper(env))) {
      var me = second.get("/api/v1/me", auth(key, "acme"));
      assertThat(me.status()).isEqualTo(200);
      assertThat(me.json().path("tenant").asString()).isEqualTo("acme");
    }
  }

  /** The embedded mode generates and keeps its own pepper when none is configured. */
  private static Map<String, String> withoutPepper(Map<String, String> env) {
    Map<String, String> copy = new HashMap<>(env);
    copy.put("API_KEY_PEPPER", "");
    return copy;
  }
}
