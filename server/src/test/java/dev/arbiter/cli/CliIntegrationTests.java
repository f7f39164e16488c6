package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.testsupport.TestDatabase;
import dev.arbiter.testsupport.TestServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The {@code arbiter} command as a real child process, as operators and supervisors run it. */
class CliIntegrationTests {

  /**
   * Stream readers block until their process exits; on a 2-core machine the common pool has one
   * thread, so they get threads of their own.
   */
  static final java.util.concurrent.ExecutorService READERS =
      java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

  record Result(int exitCode, String stdout, String stderr) {}

  static Process launch(Map<String, String> env, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.arbiter.ArbiterApplication");
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment()
        .keySet()
        .removeIf(k -> k.startsWith("ARBITER_") || k.equals("DATABASE_URL") || k.equals("PORT"));
    pb.environment().put("ARBITER_DATA_DIR", Files.createTempDirectory("arbiter-cli").toString());
    pb.environment().put("LOG_FORMAT", "text");
    pb.environment().putAll(env);
    return pb.start();
  }

  static Result run(Map<String, String> env, String... args) throws Exception {
    Process p = launch(env, args);
    CompletableFuture<String> out =
        CompletableFuture.supplyAsync(() -> read(p.getInputStream()), READERS);
    CompletableFuture<String> err =
        CompletableFuture.supplyAsync(() -> read(p.getErrorStream()), READERS);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("process finished").isTrue();
    return new Result(p.exitValue(), out.get(), err.get());
  }

  static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  static Map<String, String> database() {
    return Map.of("DATABASE_URL", TestDatabase.newDatabase(), "API_KEY_PEPPER", TestServer.PEPPER);
  }

  @Test
  void shouldExitTwoNamingEveryProblemOfABadEnvironment() throws Exception {
    Result r =
        run(
            Map.of(
                "PORT",
                "eighty",
                "PG_POOL_MAX",
                "0",
                "DATABASE_URL",
                "mysql://x/y",
                "LOG_FORMAT",
                "yaml"),
            "serve");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stderr())
        .contains("5 problem(s)")
        .contains("PORT must be an integer")
        .contains("PG_POOL_MAX must be between 1 and 1000")
        .contains("DATABASE_URL is invalid")
        .contains("API_KEY_PEPPER is required when DATABASE_URL is set")
        .contains("LOG_FORMAT must be json or text");
  }

  @Test
  void shouldExitTwoAndNamePortWhenThePortIsTaken() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      Result r = run(Map.of("PORT", Integer.toString(taken.getLocalPort())), "serve");
      assertThat(r.exitCode()).isEqualTo(2);
      assertThat(r.stderr())
          .contains("port " + taken.getLocalPort() + " is already in use")
          .contains("set PORT");
    }
  }

  @Test
  void shouldCreateAKeyThatARunningServerAccepts() throws Exception {
    Map<String, String> db = database();
    try (TestServer server = TestServer.startWithEnv(db)) {
      server.apiKey("acme", "admin");
      Result r = run(db, "api-key", "create", "--tenant", "acme", "--role", "editor");
      assertThat(r.exitCode()).as(r.stderr()).isEqualTo(0);
      String line =
          r.stdout()
              .lines()
              .filter(l -> l.startsWith("ARBITER_API_KEY=ak_"))
              .findFirst()
              .orElseThrow();
      String key = line.substring("ARBITER_API_KEY=".length());
      var me = server.get("/api/v1/me", TestServer.auth(key, "acme"));
      assertThat(me.status()).isEqualTo(200);
      assertThat(me.json().path("role").asString()).isEqualTo("editor");

      Result unknown = run(db, "api-key", "create", "--tenant", "nobody", "--role", "admin");
      assertThat(unknown.exitCode()).isEqualTo(1);
      assertThat(unknown.stderr()).contains("tenant 'nobody' does not exist");
    }
  }

  /**
   * {@code arbiter doctor} reports what a support engineer asks first, every secret redacted: the
   * dependencies as they answer, the schema, the outbox and a running server's health; a broken
   * configuration is reported, not stopped at (exit 1).
   */
  @Test
  void shouldWriteADiagnosticBundleWithSecretsRedacted() throws Exception {
    Map<String, String> env = new HashMap<>(database());
    env.put("CRON_SECRET", "cron-secret-do-not-print-0123");
    env.put("KAFKA_CLIENT_SASL_JAAS_CONFIG", "password=\"jaas-do-not-print\"");
    io.lettuce.core.RedisURI redis = dev.arbiter.testsupport.TestRedis.uri();
    env.put("REDIS_URL", "redis://" + redis.getHost() + ":" + redis.getPort());
    try (TestServer server = TestServer.startWithEnv(env)) {
      server.apiKey("acme", "admin");
      Result r = run(env, "doctor", "--url", server.baseUrl());
      assertThat(r.exitCode()).as(r.stderr()).isEqualTo(0);
      assertThat(r.stdout())
          .doesNotContain("cron-secret-do-not-print", "jaas-do-not-print", TestServer.PEPPER);
      tools.jackson.databind.JsonNode bundle =
          tools.jackson.databind.json.JsonMapper.builder().build().readTree(r.stdout());
      assertThat(bundle.path("version").asString()).isNotBlank();
      assertThat(bundle.path("configuration").path("valid").asBoolean()).isTrue();
      assertThat(bundle.path("configuration").path("environment").path("CRON_SECRET").asString())
          .isEqualTo("(set, redacted)");
      assertThat(bundle.path("database").path("status").asString()).isEqualTo("up");
      assertThat(bundle.path("database").path("schema").path("pending").asInt()).isZero();
      assertThat(bundle.path("database").path("tenants").asLong()).isGreaterThanOrEqualTo(1);
      assertThat(bundle.path("database").path("outbox").isObject()).isTrue();
      assertThat(bundle.path("redis").path("status").asString()).isEqualTo("up");
      assertThat(bundle.path("redis").path("version").asString()).isNotBlank();
      assertThat(bundle.path("kafka").path("status").asString()).isEqualTo("disabled");
      assertThat(bundle.path("server").path("status").asString()).isEqualTo("up");
      assertThat(bundle.path("server").path("health").path("checks").has("database")).isTrue();
      assertThat(r.stderr()).contains("database up, redis up, kafka disabled");
    }

    // a publisher or migration host has no pepper: diagnosed all the same, the pepper named as
    // what serve would refuse
    Result publisherHost =
        run(
            Map.of("DATABASE_URL", database().get("DATABASE_URL")),
            "doctor",
            "--url",
            "http://127.0.0.1:1");
    assertThat(publisherHost.exitCode()).as(publisherHost.stderr()).isZero();
    tools.jackson.databind.JsonNode host =
        tools.jackson.databind.json.JsonMapper.builder().build().readTree(publisherHost.stdout());
    assertThat(host.path("configuration").path("valid").asBoolean()).isTrue();
    assertThat(host.path("configuration").path("problemsForServe").toString())
        .contains("API_KEY_PEPPER is required");
    assertThat(host.path("database").path("status").asString()).isEqualTo("up");

    Map<String, String> bad = new HashMap<>(database());
    bad.put("PORT", "eighty");
    bad.put("REDIS_URL", "redis://127.0.0.1:1");
    Result broken = run(bad, "doctor", "--url", "http://127.0.0.1:1");
    assertThat(broken.exitCode()).as(broken.stderr()).isEqualTo(1);
    tools.jackson.databind.JsonNode report =
        tools.jackson.databind.json.JsonMapper.builder().build().readTree(broken.stdout());
    assertThat(report.path("configuration").path("valid").asBoolean()).isFalse();
    assertThat(report.path("configuration").path("problems").toString()).contains("PORT");
    assertThat(report.path("database").path("status").asString()).isEqualTo("skipped");
    assertThat(report.path("server").path("status").asString()).isEqualTo("not running");
  }

  @Test
  void shouldCreateTenantsAndShowMigrations() throws Exception {
    // no API_KEY_PEPPER: tenant create and migrate hash no key, so they do not need the secret
    Map<String, String> db = Map.of("DATABASE_URL", TestDatabase.newDatabase());
    Result created = run(db, "tenant", "create", "globex", "--name", "Globex");
    assertThat(created.exitCode()).as(created.stderr()).isEqualTo(0);
    assertThat(created.stdout()).contains("Created tenant globex");
    Result dup = run(db, "tenant", "create", "globex");
    assertThat(dup.exitCode()).isEqualTo(1);
    assertThat(dup.stderr()).contains("already exists");
    Result status = run(db, "migrate", "status");
    assertThat(status.exitCode()).isEqualTo(0);
    assertThat(status.stdout())
        .contains("tenants and api keys")
        .contains("Success")
        .contains("Pending: 0");
    Result key = run(db, "api-key", "create", "--tenant", "globex", "--role", "viewer");
    assertThat(key.exitCode()).isEqualTo(2);
    assertThat(key.stderr()).contains("API_KEY_PEPPER is required when DATABASE_URL is set");
    Result version = run(Map.of(), "version");
    assertThat(version.stdout()).startsWith("arbiter ");
  }

  @Test
  void shouldFinishInFlightRequestsOnSigterm() throws Exception {
    Map<String, String> env = new HashMap<>(database());
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    env.put("PORT", Integer.toString(port));
    env.put("ARBITER_BIND_ADDRESS", "127.0.0.1");
    // Spring's own variables do not override Arbiter's: it listens on PORT, shuts down gracefully
    env.put("SERVER_PORT", "1");
    env.put("SERVER_SHUTDOWN", "immediate");
    env.put("LOG_FORMAT", "json");
    Process p = launch(env, "serve", "--demo");
    try {
      CompletableFuture<String> out =
          CompletableFuture.supplyAsync(() -> read(p.getInputStream()), READERS);
      CompletableFuture.runAsync(() -> read(p.getErrorStream()), READERS);
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + port;
      Instant deadline = Instant.now().plusSeconds(90);
      boolean up = false;
      while (!up && Instant.now().isBefore(deadline)) {
        try {
          up =
              http.send(
                          HttpRequest.newBuilder(URI.create(base + "/health/live")).build(),
                          HttpResponse.BodyHandlers.ofString())
                      .statusCode()
                  == 200;
        } catch (IOException e) {
          Thread.sleep(250);
        }
      }
      assertThat(up).as("server started").isTrue();
      Thread.sleep(500); // the demo key is printed right after start
      ProcessHandle handle = p.toHandle();
      // The key is on stdout, which we only get at exit; mint a fresh one through the CLI instead.
      Result minted =
          run(
              Map.of("DATABASE_URL", env.get("DATABASE_URL"), "API_KEY_PEPPER", TestServer.PEPPER),
              "api-key",
              "create",
              "--tenant",
              "demo",
              "--role",
              "viewer");
      String key =
          minted
              .stdout()
              .lines()
              .filter(l -> l.startsWith("ARBITER_API_KEY="))
              .findFirst()
              .orElseThrow()
              .substring(16);
      CompletableFuture<HttpResponse<String>> slow =
          http.sendAsync(
              HttpRequest.newBuilder(URI.create(base + "/api/v1/test/slow?ms=2000"))
                  .header("Authorization", "Bearer " + key)
                  .header("X-Tenant-Id", "demo")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      // SIGTERM only once the server is handling the request (a fixed pause raced with the
      // client's connect on a loaded machine: the listener had closed when it connected)
      Instant handling = Instant.now().plusSeconds(20);
      boolean inFlight = false;
      while (!inFlight && Instant.now().isBefore(handling)) {
        inFlight = anotherRequestInFlight(http, base);
      }
      assertThat(inFlight).as("the slow request reached the server").isTrue();
      handle.destroy(); // SIGTERM
      HttpResponse<String> r = slow.get(30, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(out.get()).contains("ARBITER_API_KEY=ak_");
      // the slow request's access line: one JSON object (no key twice), status and duration as
      // numbers
      tools.jackson.databind.json.JsonMapper json =
          tools.jackson.databind.json.JsonMapper.builder()
              .enable(tools.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
              .build();
      assertThat(
              out.get()
                  .lines()
                  .filter(l -> l.startsWith("{") && l.contains("\"arbiter.access\""))
                  .map(json::readTree)
                  .filter(l -> l.path("route").asString().equals("/api/v1/test/slow")))
          .singleElement()
          .satisfies(
              l -> {
                assertThat(l.path("status").isInt()).as("status is a number: %s", l).isTrue();
                assertThat(l.path("status").asInt()).isEqualTo(200);
                assertThat(l.path("durationMs").isIntegralNumber()).isTrue();
                assertThat(l.path("durationMs").asLong()).isGreaterThanOrEqualTo(2000);
                assertThat(l.path("tenant").asString()).isEqualTo("demo");
                assertThat(l.path("requestId").asString()).isNotBlank();
              });
    } finally {
      p.destroyForcibly();
    }
  }

  /**
   * Whether the server is handling a request besides this scrape of its metrics: its active-request
   * meter counts the scrape itself (it knows no route yet when a request starts, so every active
   * request is under {@code uri="UNKNOWN"}).
   */
  private static boolean anotherRequestInFlight(HttpClient http, String base) throws Exception {
    String metrics =
        http.send(
                HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return metrics
            .lines()
            .filter(l -> l.startsWith("arbiter_http_server_requests_active_seconds_count{"))
            .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
            .sum()
        >= 2;
  }
}
