package dev.arbiter.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.arbiter.decision.OutboxEvent;
import dev.arbiter.testsupport.TcpProxy;
import dev.arbiter.testsupport.TestKafka;
import dev.arbiter.testsupport.TestServer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code arbiter serve} with Kafka configured: the in-process publisher, health, readiness and
 * metrics, through a broker outage and back. The outage cuts the broker's only client address (a
 * TCP forwarder on a fixed port that the broker advertises), so the publisher sees exactly what a
 * stopped broker looks like: connections die, then are refused, until the address answers again.
 */
class OutboxKafkaIntegrationTests {

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static Set<String> ids(List<ConsumerRecord<String, byte[]>> records) {
    return records.stream()
        .map(
            r ->
                OutboxFixtures.JSON
                    .readTree(new String(r.value(), StandardCharsets.UTF_8))
                    .path("id")
                    .asString())
        .collect(Collectors.toSet());
  }

  static Set<String> ids(List<OutboxEvent> events, List<OutboxEvent> more) {
    List<OutboxEvent> all = new ArrayList<>(events);
    all.addAll(more);
    return all.stream().map(OutboxEvent::id).collect(Collectors.toSet());
  }

  static Set<String> ids(List<OutboxEvent> events, Set<String> more) {
    Set<String> all = new java.util.HashSet<>(more);
    events.forEach(e -> all.add(e.id()));
    return all;
  }

  @Test
  void shouldKeepABacklogWhileKafkaIsDownReportItAndDrainItWhenKafkaIsBack() throws Exception {
    int port = freePort();
    String topic = "arbiter.events.test";
    TestKafka kafka = TestKafka.start(port);
    TcpProxy address = new TcpProxy(port, "127.0.0.1", kafka.boundPort()).start();
    String servers = "localhost:" + port;
    kafka.createTopic(topic, 2);
    String database = OutboxFixtures.database();
    try (TestServer server =
        TestServer.start(
            Map.of(
                "DATABASE_URL", database,
                "KAFKA_BOOTSTRAP_SERVERS", servers,
                "KAFKA_TOPIC", topic,
                "OUTBOX_POLL_INTERVAL_MS", "500",
                "OUTBOX_RETRY_BACKOFF_MS", "100",
                "OUTBOX_RETRY_BACKOFF_MAX_MS", "2000",
                "OUTBOX_SEND_TIMEOUT_MS", "4000",
                "OUTBOX_MAX_PENDING_AGE", "3s"))) {
      // Kafka up: published, healthy, measured.
      List<OutboxEvent> first = OutboxFixtures.events(50);
      OutboxFixtures.insert(database, first);
      assertThat(ids(TestKafka.read(servers, topic, l -> l.size() >= 50, Duration.ofSeconds(60))))
          .isEqualTo(ids(first, List.of()));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> OutboxFixtures.count(database, "published") == 50);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> server.get("/api/health").json().path("status").asString().equals("ok"));
      JsonNode checks = server.get("/api/health").json().path("checks");
      assertThat(checks.path("kafka").path("status").asString()).isEqualTo("up");
      assertThat(checks.path("outbox").path("status").asString()).isEqualTo("up");
      assertThat(checks.path("outbox").path("details").path("publisher").asString())
          .isEqualTo("in_process");
      assertThat(server.get("/api/ready").status()).isEqualTo(200);
      String metrics = server.get("/metrics").body();
      assertThat(metrics)
          .contains("arbiter_outbox_published_total 50.0")
          .contains("arbiter_outbox_publish_latency_seconds_bucket")
          .contains("arbiter_outbox_publish_latency_seconds_count 50")
          .contains("arbiter_outbox_pending ")
          .contains("arbiter_outbox_publisher_last_tick_timestamp_seconds");

      // Kafka down: nothing is lost, the backlog grows, health and readiness say so.
      address.stop();
      List<OutboxEvent> during = OutboxFixtures.events(100);
      OutboxFixtures.insert(database, during);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                JsonNode h = server.get("/api/health").json();
                return h.path("status").asString().equals("degraded")
                    && h.path("checks").path("kafka").path("status").asString().equals("down")
                    && h.path("checks").path("outbox").path("status").asString().equals("degraded");
              });
      assertThat(server.get("/api/ready").status()).isEqualTo(503);
      long backlog =
          OutboxFixtures.count(database, "pending") + OutboxFixtures.count(database, "processing");
      assertThat(backlog).isEqualTo(100);
      List<OutboxEvent> more = OutboxFixtures.events(100);
      OutboxFixtures.insert(database, more);
      assertThat(
              OutboxFixtures.count(database, "pending")
                  + OutboxFixtures.count(database, "processing"))
          .isEqualTo(200);
      assertThat(OutboxFixtures.count(database, "failed")).isZero();

      // Kafka back on the same address: the backlog drains by itself.
      address.start();
      Set<String> expected = ids(first, ids(during, more));
      List<ConsumerRecord<String, byte[]>> got =
          TestKafka.read(
              servers, topic, l -> ids(l).containsAll(expected), Duration.ofSeconds(120));
      assertThat(ids(got)).containsAll(expected);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> OutboxFixtures.count(database, "published") == 250);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> server.get("/api/health").json().path("status").asString().equals("ok"));
      assertThat(OutboxFixtures.count(database, "failed")).isZero();
    } finally {
      address.close();
      kafka.close();
    }
  }
}
