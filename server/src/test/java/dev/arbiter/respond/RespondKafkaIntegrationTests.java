package dev.arbiter.respond;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.demo.DemoSeeder;
import dev.arbiter.testsupport.TestKafka;
import dev.arbiter.testsupport.TestServer;
import dev.arbiter.testsupport.TestServer.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Respond end to end: real PostgreSQL, the server's in-process outbox publisher and an in-process
 * Kafka broker read by a real consumer.
 */
class RespondKafkaIntegrationTests {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void shouldPutExactlyOneEventPerRecordedOutcomeOnTheTopicAndNoneForRetries() throws Exception {
    int n = 60;
    try (TestKafka kafka = TestKafka.start()) {
      String topic = kafka.newTopic(3);
      try (TestServer server =
          TestServer.start(
              Map.of(
                  "KAFKA_BOOTSTRAP_SERVERS",
                  kafka.bootstrapServers(),
                  "KAFKA_TOPIC",
                  topic,
                  // A client setting passed through (as TLS/SASL ones would be).
                  "KAFKA_CLIENT_COMPRESSION_TYPE",
                  "lz4"))) {
        server.bean(DemoSeeder.class).seed();
        String key = server.apiKey(DemoSeeder.TENANT, "decision");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        Set<String> interactions = new HashSet<>();
        try {
          List<Future<String>> results = new java.util.ArrayList<>();
          for (int i = 0; i < n; i++) {
            String customer = "k-" + i;
            results.add(
                pool.submit(
                    () -> {
                      JsonNode d = RespondIntegrationTests.recommend(server, key, customer);
                      Map<String, Object> body = new HashMap<>();
                      body.put("decisionId", d.path("decisionId").asString());
                      body.put("offerKey", d.path("offers").get(0).path("offerKey").asString());
                      body.put("customerId", customer);
                      body.put("outcome", "click");
                      String[] headers =
                          RespondIntegrationTests.headers(
                              key, "Idempotency-Key", "kafka-" + customer);
                      Response first = server.post("/api/v1/respond", body, headers);
                      assertThat(first.status()).as(first.body()).isEqualTo(201);
                      // A client retry: answered, recorded once.
                      Response retry = server.post("/api/v1/respond", body, headers);
                      assertThat(retry.status()).as(retry.body()).isEqualTo(200);
                      return first.json().path("interactionId").asString();
                    }));
          }
          for (Future<String> f : results) {
            interactions.add(f.get());
          }
        } finally {
          pool.shutdownNow();
        }
        assertThat(interactions).hasSize(n);

        List<ConsumerRecord<String, byte[]>> records =
            kafka.read(
                topic,
                all -> recorded(all).size() >= n && decisions(all) >= n,
                Duration.ofSeconds(60));
        Map<String, ConsumerRecord<String, byte[]>> byId = recorded(records);
        assertThat(byId.keySet()).isEqualTo(interactions);
        assertThat(decisions(records)).isEqualTo(n);
        for (ConsumerRecord<String, byte[]> r : byId.values()) {
          JsonNode event = JSON.readTree(new String(r.value(), StandardCharsets.UTF_8));
          assertThat(r.key()).isEqualTo("demo:" + event.path("subject").asString());
          assertThat(event.path("data").path("outcome").asString()).isEqualTo("click");
        }
        // decisions stored many to a row (compact tokens by default) reach Kafka one record each,
        // as the CloudEvent JSON of that decision under its customer's key
        for (ConsumerRecord<String, byte[]> r : records) {
          JsonNode event = JSON.readTree(new String(r.value(), StandardCharsets.UTF_8));
          if (event.path("type").asString().equals("decision.made.v1")) {
            assertThat(r.key()).isEqualTo("demo:" + event.path("subject").asString());
            assertThat(event.path("data").path("decisionId").asString())
                .isEqualTo(event.path("id").asString());
            assertThat(event.path("data").path("customerId").asString())
                .isEqualTo(event.path("subject").asString());
            assertThat(event.path("data").path("offers").size()).isPositive();
          }
        }
        long copies =
            records.stream().filter(r -> type(r).equals("interaction.recorded.v1")).count();
        assertThat(copies).as("no retry produced a second event").isEqualTo(n);
      }
    }
  }

  private static String type(ConsumerRecord<String, byte[]> r) {
    return JSON.readTree(new String(r.value(), StandardCharsets.UTF_8)).path("type").asString();
  }

  private static Map<String, ConsumerRecord<String, byte[]>> recorded(
      List<ConsumerRecord<String, byte[]>> records) {
    Map<String, ConsumerRecord<String, byte[]>> byId = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      JsonNode event = JSON.readTree(new String(r.value(), StandardCharsets.UTF_8));
      if (event.path("type").asString().equals("interaction.recorded.v1")) {
        byId.put(event.path("id").asString(), r);
      }
    }
    return byId;
  }

  private static long decisions(List<ConsumerRecord<String, byte[]>> records) {
    return records.stream()
        .map(RespondKafkaIntegrationTests::type)
        .filter("decision.made.v1"::equals)
        .count();
  }
}
