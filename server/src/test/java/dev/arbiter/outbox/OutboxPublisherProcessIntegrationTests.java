package dev.arbiter.outbox;

import static dev.arbiter.outbox.OutboxFixtures.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.arbiter.decision.OutboxEvent;
import dev.arbiter.testsupport.TestKafka;
import dev.arbiter.testsupport.TestServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code arbiter outbox-publisher} as a real child JVM, as a supervisor runs it: killed with
 * SIGKILL mid-batch, stopped with SIGTERM, given a bad configuration or a broken database.
 */
class OutboxPublisherProcessIntegrationTests {
  static TestKafka kafka;

  @BeforeAll
  static void startKafka() {
    kafka = TestKafka.start();
  }

  @AfterAll
  static void stopKafka() {
    kafka.close();
  }

  /** Starts {@code arbiter outbox-publisher}; its output goes to {@code log}. */
  static Process launch(Map<String, String> env, Path log) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.arbiter.ArbiterApplication");
    cmd.add("outbox-publisher");
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment()
        .keySet()
        .removeIf(
            k ->
                k.startsWith("ARBITER_")
                    || k.startsWith("OUTBOX_")
                    || k.startsWith("KAFKA_")
                    || k.equals("DATABASE_URL"));
    pb.environment().put("LOG_FORMAT", "json");
    pb.environment().put("API_KEY_PEPPER", TestServer.PEPPER);
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    return pb.start();
  }

  static Map<String, String> env(String database, String topic, Path liveness) {
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", database);
    env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    env.put("KAFKA_TOPIC", topic);
    env.put("OUTBOX_LIVENESS_FILE", liveness.toString());
    env.put("OUTBOX_POLL_INTERVAL_MS", "200");
    env.put("ARBITER_BIND_ADDRESS", "127.0.0.1");
    env.put("OUTBOX_PUBLISHER_METRICS_PORT", "0"); // a free port, logged
    return env;
  }

  /** The port the publisher logged it serves {@code /metrics} on. */
  static int metricsPort(Process p, Path log) throws IOException {
    Pattern logged = Pattern.compile("/health/live on [^\\s\"]+:(\\d+)");
    await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> logged.matcher(output(log)).find() || !p.isAlive());
    Matcher m = logged.matcher(output(log));
    assertThat(m.find()).as("publisher output:%n%s", output(log)).isTrue();
    return Integer.parseInt(m.group(1));
  }

  /** The sum of a metric's samples in Prometheus text, over all its labels. */
  static double sample(String text, String name) {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(text);
    double sum = 0;
    boolean found = false;
    while (m.find()) {
      sum += Double.parseDouble(m.group(2));
      found = true;
    }
    assertThat(found).as("%s in%n%s", name, text).isTrue();
    return sum;
  }

  static Set<String> distinctIds(List<ConsumerRecord<String, byte[]>> records) {
    Set<String> ids = new HashSet<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      ids.add(
          OutboxFixtures.JSON
              .readTree(new String(r.value(), StandardCharsets.UTF_8))
              .path("id")
              .asString());
    }
    return ids;
  }

  static String output(Path log) throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  @Test
  void shouldLoseNothingWhenKilledMidBatchOnceTheReaperHasRun() throws Exception {
    String database = OutboxFixtures.database();
    String topic = kafka.newTopic(3);
    int n = 20_000;
    List<OutboxEvent> events = OutboxFixtures.events(n);
    OutboxFixtures.insert(
        database, events, 1); // rows of one event: the test is about rows (batch rows:
    // OutboxEventBatchIntegrationTests)
    Path dir = Files.createTempDirectory("outbox-kill");
    Path log = dir.resolve("publisher.log");
    Process p = launch(env(database, topic, dir.resolve("alive")), log);
    long publishedAtKill;
    try {
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> count(database, "published") > 0 || !p.isAlive());
      assertThat(p.isAlive()).as("publisher running; its output:%n%s", output(log)).isTrue();
      p.destroyForcibly(); // SIGKILL: no drain, no cleanup
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      publishedAtKill = count(database, "published");
    } finally {
      p.destroyForcibly();
    }
    // The kill landed mid-work: some events were left to others.
    assertThat(publishedAtKill).isLessThan(n);
    long stranded = count(database, "processing");

    OutboxProperties props =
        OutboxFixtures.props(kafka.bootstrapServers(), topic); // reaper staleness 300 s
    OutboxStore store = OutboxFixtures.store(database);
    Thread.sleep(1100);
    int reset = store.reapStale(Duration.ofSeconds(1));
    assertThat(reset).isEqualTo((int) stranded);
    assertThat(count(database, "processing")).isZero();

    try (var survivor = OutboxFixtures.publisher(database, props)) {
      await().atMost(Duration.ofSeconds(120)).until(() -> count(database, "published") == n);
    }
    List<ConsumerRecord<String, byte[]>> got =
        kafka.read(topic, l -> distinctIds(l).size() >= n, Duration.ofSeconds(120));
    Set<String> ids = distinctIds(got);
    Set<String> expected = new HashSet<>();
    events.forEach(e -> expected.add(e.id()));
    assertThat(ids).isEqualTo(expected);
    // At-least-once: records sent but not yet marked when killed may be on the topic twice.
    assertThat(got.size()).isGreaterThanOrEqualTo(n);
  }

  @Test
  void shouldTouchItsLivenessFileAndDrainThenExitZeroOnSigterm() throws Exception {
    String database = OutboxFixtures.database();
    String topic = kafka.newTopic(1);
    Path dir = Files.createTempDirectory("outbox-term");
    Path alive = dir.resolve("alive");
    Path log = dir.resolve("publisher.log");
    Process p = launch(env(database, topic, alive), log);
    try {
      await().atMost(Duration.ofSeconds(120)).until(() -> Files.exists(alive) || !p.isAlive());
      assertThat(p.isAlive()).as("output:%n%s", output(log)).isTrue();
      long first = Files.getLastModifiedTime(alive).toMillis();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> Files.getLastModifiedTime(alive).toMillis() > first);
      OutboxFixtures.insert(database, OutboxFixtures.events(5000));
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> count(database, "published") > 0);
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as("output:%n%s", output(log)).isZero();
    } finally {
      p.destroyForcibly();
    }
    // Drained: nothing is left claimed for the reaper to find.
    assertThat(count(database, "processing")).isZero();
    assertThat(output(log)).contains("draining").contains("stopped");
  }

  @Test
  void shouldServeTheRelaysOwnMetricsOnItsPort() throws Exception {
    String database = OutboxFixtures.database();
    String topic = kafka.newTopic(1);
    Path dir = Files.createTempDirectory("outbox-metrics");
    Path log = dir.resolve("publisher.log");
    Process p = launch(env(database, topic, dir.resolve("alive")), log);
    try (HttpClient http = HttpClient.newHttpClient()) {
      String base = "http://127.0.0.1:" + metricsPort(p, log);
      OutboxFixtures.insert(database, OutboxFixtures.events(300));
      await().atMost(Duration.ofSeconds(60)).until(() -> count(database, "published") == 300);
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                HttpResponse<String> m = get(http, base + "/metrics");
                assertThat(m.statusCode()).isEqualTo(200);
                assertThat(sample(m.body(), "arbiter_outbox_published_total")).isEqualTo(300.0);
              });
      HttpResponse<String> metrics = get(http, base + "/metrics");
      assertThat(metrics.headers().firstValue("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
      String text = metrics.body();
      // what only the relaying process knows, and its JVM
      assertThat(sample(text, "arbiter_outbox_publish_latency_seconds_count")).isEqualTo(300.0);
      assertThat(sample(text, "arbiter_outbox_publisher_last_tick_timestamp_seconds"))
          .isGreaterThan(System.currentTimeMillis() / 1000.0 - 120);
      assertThat(sample(text, "arbiter_outbox_failed_total")).isZero();
      assertThat(sample(text, "arbiter_jvm_memory_used_bytes")).isPositive();
      assertThat(sample(text, "arbiter_hikaricp_connections_max")).isPositive();
      assertThat(text.lines().filter(l -> !l.startsWith("#") && !l.isBlank()))
          .isNotEmpty()
          .allSatisfy(l -> assertThat(l).startsWith("arbiter_"));

      HttpResponse<String> live = get(http, base + "/health/live");
      assertThat(live.statusCode()).isEqualTo(200);
      assertThat(live.body()).isEqualTo("{\"status\":\"alive\"}");
      assertThat(get(http, base + "/api/health").statusCode()).isEqualTo(404);
      HttpResponse<String> post =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/metrics"))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
      assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
    } finally {
      p.destroyForcibly();
    }
  }

  static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void shouldExitTwoNamingTheMetricsPortWhenItIsTaken() throws Exception {
    String database = OutboxFixtures.database();
    Path dir = Files.createTempDirectory("outbox-port");
    Path log = dir.resolve("publisher.log");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Map<String, String> env = env(database, "arbiter.events", dir.resolve("alive"));
      env.put("OUTBOX_PUBLISHER_METRICS_PORT", String.valueOf(taken.getLocalPort()));
      Process p = launch(env, log);
      try {
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String out = output(log);
        assertThat(p.exitValue()).as(out).isEqualTo(2);
        assertThat(out)
            .contains("port " + taken.getLocalPort() + " is already in use")
            .contains("OUTBOX_PUBLISHER_METRICS_PORT");
      } finally {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void shouldExitTwoListingEveryConfigurationProblem() throws Exception {
    Path dir = Files.createTempDirectory("outbox-conf");
    Path log = dir.resolve("publisher.log");
    Process p =
        launch(
            Map.of(
                "DATABASE_URL", "jdbc:postgresql://127.0.0.1:1/none",
                "OUTBOX_MAX_ATTEMPTS", "zero",
                "KAFKA_TOPIC", "no spaces allowed",
                "OUTBOX_PUBLISHER_METRICS_PORT", "metrics"),
            log);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String out = output(log);
    assertThat(p.exitValue()).as(out).isEqualTo(2);
    assertThat(out)
        .contains("KAFKA_BOOTSTRAP_SERVERS is required")
        .contains("OUTBOX_MAX_ATTEMPTS must be an integer")
        .contains("KAFKA_TOPIC must be")
        .contains("OUTBOX_PUBLISHER_METRICS_PORT must be a port");
  }

  @Test
  void shouldExitThreeAfterSustainedNonTransientFailures() throws Exception {
    String database = OutboxFixtures.database();
    // A schema it cannot work with: every claim fails the same way, and waiting will not help.
    OutboxFixtures.jdbc(database)
        .sql("alter table outbox_events rename to outbox_events_moved")
        .update();
    Path dir = Files.createTempDirectory("outbox-broken");
    Path log = dir.resolve("publisher.log");
    Map<String, String> env = env(database, "arbiter.events", dir.resolve("alive"));
    env.put("ARBITER_MIGRATE_ON_START", "false");
    env.put("OUTBOX_POLL_INTERVAL_MS", "50");
    Process p = launch(env, log);
    try {
      assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
      String out = output(log);
      assertThat(p.exitValue()).as(out).isEqualTo(3);
      assertThat(out).contains("\"isTransient\":\"false\"").contains("\"errorId\"");
    } finally {
      p.destroyForcibly();
    }
  }
}
