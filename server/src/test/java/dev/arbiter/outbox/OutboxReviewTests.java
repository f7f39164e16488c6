package dev.arbiter.outbox;

import static dev.arbiter.outbox.OutboxFixtures.count;
import static dev.arbiter.outbox.OutboxFixtures.database;
import static dev.arbiter.outbox.OutboxFixtures.events;
import static dev.arbiter.outbox.OutboxFixtures.insert;
import static dev.arbiter.testsupport.TestServer.auth;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.arbiter.decision.OutboxEvent;
import dev.arbiter.decision.jdbc.JdbcDecisionLogRepository;
import dev.arbiter.outbox.jdbc.JdbcOutboxStore;
import dev.arbiter.testsupport.TcpProxy;
import dev.arbiter.testsupport.TestKafka;
import dev.arbiter.testsupport.TestServer;
import dev.arbiter.testsupport.TestServer.Response;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Defects found in review of the outbox publisher and the event log, each pinned by a test. */
class OutboxReviewTests {

  static OutboxProperties props(
      String servers,
      String topic,
      int batchSize,
      int maxAttempts,
      Duration sendTimeout,
      Duration drainTimeout) {
    return new OutboxProperties(
        Optional.ofNullable(servers),
        topic,
        Duration.ofMinutes(10),
        batchSize,
        maxAttempts,
        Duration.ofMillis(50),
        Duration.ofSeconds(2),
        sendTimeout,
        Duration.ofDays(7),
        true,
        Path.of(System.getProperty("java.io.tmpdir"), "arbiter-review.alive"),
        drainTimeout,
        Duration.ofSeconds(300),
        Duration.ofMinutes(1),
        Map.of());
  }

  static OutboxPublisher publisher(
      String url, OutboxProperties props, OutboxPublisher.Listener listener) {
    OutboxMetrics metrics = new OutboxMetrics(new SimpleMeterRegistry(), true);
    JdbcOutboxStore store = OutboxFixtures.store(url);
    Clock clock = Clock.systemUTC();
    return OutboxPublisher.toKafka(
        store,
        new OutboxMaintenance(store, props, metrics, clock),
        props,
        metrics,
        listener,
        clock);
  }

  /**
   * The liveness file (and the last-tick gauge) is the publisher tier's only proof of life. A
   * backlog drains in one pass of many batches, each of which may wait up to the send timeout for
   * acknowledgements: if the proof of life is given only once per pass, a liveness probe kills a
   * healthy publisher exactly while it works through a backlog, and again after each restart.
   */
  @Test
  void shouldProveItIsAliveAtEveryBatchWhileDrainingABacklog() {
    try (TestKafka kafka = TestKafka.start()) {
      String url = database();
      String topic = kafka.newTopic(1);
      int n = 300;
      int batch = 10;
      insert(url, events(n), 1); // rows of one event: the test is about rows (batch rows:
      // OutboxEventBatchIntegrationTests)
      AtomicInteger ticks = new AtomicInteger();
      OutboxPublisher p =
          publisher(
              url,
              props(
                  kafka.bootstrapServers(),
                  topic,
                  batch,
                  10,
                  Duration.ofSeconds(10),
                  Duration.ofSeconds(5)),
              new OutboxPublisher.Listener() {
                @Override
                public void onTick() {
                  ticks.incrementAndGet();
                }
              });
      // Poll only (a 10 min interval, no LISTEN): the whole backlog drains in the first pass.
      p.start(null);
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> count(url, "published") == n);
      } finally {
        p.close();
      }
      assertThat(ticks.get())
          .as("proofs of life while draining %d batches", n / batch)
          .isGreaterThanOrEqualTo(n / batch);
    }
  }

  /**
   * When a batch is not acknowledged by the drain deadline (or breaks the producer), the publisher
   * closes its producer, which aborts the records of the next batch already handed to it with a
   * plain {@code KafkaException("Producer is closed forcefully.")}. Those events were never given a
   * chance, yet were counted as non-transient failures and, at their last attempt, dead-lettered: a
   * slow broker at shutdown (or any producer reset) dead-letters healthy events.
   */
  @Test
  void shouldNotDeadLetterEventsAbortedBecauseThePublisherClosedItsOwnProducer() throws Exception {
    int port = TcpProxy.freePort();
    try (TestKafka kafka = TestKafka.start(port);
        TcpProxy address = new TcpProxy(port, "127.0.0.1", kafka.boundPort()).start()) {
      String topic = "review.abort";
      kafka.createTopic(topic, 1);
      String url = database();
      OutboxPublisher p =
          publisher(
              url,
              props(
                  "localhost:" + port,
                  topic,
                  10,
                  1,
                  Duration.ofSeconds(30),
                  Duration.ofMillis(500)),
              new OutboxPublisher.Listener() {});
      p.start(() -> OutboxFixtures.connect(url));
      try {
        insert(url, events(1));
        await().atMost(Duration.ofSeconds(60)).until(() -> count(url, "published") == 1);
        // The broker goes silent: nothing is acknowledged, nothing expires for 30 s.
        address.stop();
        insert(url, events(100));
        // Batches wait for their acknowledgements (one, or two when the next was already handed to
        // the producer; how many depends on how fast the dead address fails the first send).
        await().atMost(Duration.ofSeconds(60)).until(() -> count(url, "processing") >= 10);
        Thread.sleep(300);
      } finally {
        p.close();
      }
      assertThat(OutboxFixtures.statuses(url))
          .as("nothing dead-lettered for a broker that was only slow")
          .doesNotContainKey("failed");
      assertThat(count(url, "pending")).isEqualTo(100);
    }
  }

  /**
   * {@code GET /api/v1/events?after=} pages in id order, but ids are UUIDv7s taken before the row
   * commits (a decision's id at Recommend, its event written by the decision log's batch writer a
   * few ms later; an interaction's id before its transaction; other nodes' clocks). A reader that
   * follows the log with the cursor it was given never sees an event that committed after a
   * later-id event was read. Fixed: the log is ordered by insert time and shows rows once they are
   * {@code OutboxEvents.LOG_SETTLE} old.
   */
  @Test
  void shouldNotSkipAnEventThatCommitsAfterALaterOneWasRead() throws Exception {
    try (TestServer server = TestServer.start()) {
      String viewer = server.apiKey("acme", "viewer");
      String url = server.env().get("DATABASE_URL");
      var ds = new org.springframework.jdbc.datasource.DriverManagerDataSource(url);
      String tenant =
          JdbcClient.create(ds)
              .sql("select id from tenants where key = 'acme'")
              .query(String.class)
              .single();
      List<OutboxEvent> three = new ArrayList<>();
      for (OutboxEvent e : events(3)) {
        three.add(
            new OutboxEvent(
                e.id(),
                tenant,
                e.type(),
                "acme:" + e.partitionKey().substring(3),
                e.event(),
                e.createdAt()));
      }
      // a is inserted first but its transaction stays open for a second while b and c are
      // inserted and committed; a reader follows the log the whole time.
      List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
      java.util.concurrent.atomic.AtomicBoolean done =
          new java.util.concurrent.atomic.AtomicBoolean();
      Thread reader =
          Thread.ofPlatform()
              .start(
                  () -> {
                    String cursor = null;
                    while (!done.get() || seen.size() < 3) {
                      Response r =
                          server.get(
                              "/api/v1/events?limit=1" + (cursor == null ? "" : "&after=" + cursor),
                              auth(viewer, "acme"));
                      seen.addAll(r.json().path("data").findValuesAsString("id"));
                      String next = r.json().path("pagination").path("nextCursor").asString(null);
                      cursor = next != null ? next : cursor;
                      if (seen.size() >= 3) {
                        return;
                      }
                      sleep(java.time.Duration.ofMillis(100));
                    }
                  });
      try (java.sql.Connection c = ds.getConnection()) {
        c.setAutoCommit(false);
        new JdbcDecisionLogRepository(
                JdbcClient.create(
                    new org.springframework.jdbc.datasource.SingleConnectionDataSource(c, true)),
                new org.springframework.jdbc.core.JdbcTemplate(
                    new org.springframework.jdbc.datasource.SingleConnectionDataSource(c, true)),
                OutboxFixtures.JSON,
                () -> {})
            .insertEvents(List.of(three.get(0)));
        insert(url, List.of(three.get(1), three.get(2)));
        sleep(java.time.Duration.ofSeconds(1));
        c.commit();
      }
      done.set(true);
      reader.join(java.time.Duration.ofSeconds(60));
      assertThat(seen)
          .as("every event, each once, in insert order")
          .containsExactly(three.stream().map(OutboxEvent::id).toArray(String[]::new));
    }
  }

  private static void sleep(java.time.Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Keeps the unused-import check quiet for helpers used only by some tests. */
  static Map<String, Long> statuses(String url) {
    return OutboxFixtures.statuses(url);
  }
}
