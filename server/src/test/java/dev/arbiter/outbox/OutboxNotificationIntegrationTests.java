package dev.arbiter.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.arbiter.decision.DecisionLogRepository;
import dev.arbiter.testsupport.TestKafka;
import dev.arbiter.testsupport.TestServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Event writers wake a publisher tier with a NOTIFY on {@value OutboxPublisher#CHANNEL}, wake a
 * publisher in their own process in memory, and wake nobody in log-only mode: each notification is
 * a transaction of its own.
 */
class OutboxNotificationIntegrationTests {

  /** Notifications on the outbox channel within {@code millis} after {@code write} ran. */
  static List<PGNotification> notificationsAfter(String database, Runnable write, int millis)
      throws Exception {
    try (Connection listener = DriverManager.getConnection(database)) {
      try (Statement s = listener.createStatement()) {
        s.execute("listen " + OutboxPublisher.CHANNEL);
      }
      write.run();
      List<PGNotification> got = new ArrayList<>();
      long deadline = System.currentTimeMillis() + millis;
      for (long left; (left = deadline - System.currentTimeMillis()) > 0; ) {
        PGNotification[] batch =
            listener.unwrap(PGConnection.class).getNotifications((int) Math.max(1, left));
        if (batch != null) {
          got.addAll(List.of(batch));
        }
      }
      return got;
    }
  }

  /** A server on {@code database} with Kafka configured, and {@code more} settings. */
  static TestServer withKafka(String database, TestKafka kafka, String... more) {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("DATABASE_URL", database);
    env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    env.put("KAFKA_TOPIC", kafka.newTopic(1));
    for (int i = 0; i < more.length; i += 2) {
      env.put(more[i], more[i + 1]);
    }
    return TestServer.start(env);
  }

  @Test
  void shouldNotNotifyInLogOnlyMode() throws Exception {
    String database = OutboxFixtures.database();
    try (TestServer server = TestServer.start(Map.of("DATABASE_URL", database))) {
      DecisionLogRepository events = server.bean(DecisionLogRepository.class);
      List<PGNotification> got =
          notificationsAfter(database, () -> events.insertEvents(OutboxFixtures.events(20)), 1500);
      assertThat(got).isEmpty();
      assertThat(OutboxFixtures.count(database, "pending")).isEqualTo(20);
    }
  }

  @Test
  void shouldWakeTheInProcessPublisherWithoutANotification() throws Exception {
    String database = OutboxFixtures.database();
    try (TestKafka kafka = TestKafka.start();
        // no tick for ten minutes: only a wake-up publishes within the test
        TestServer server = withKafka(database, kafka, "OUTBOX_POLL_INTERVAL_MS", "600000")) {
      DecisionLogRepository events = server.bean(DecisionLogRepository.class);
      // the publisher's first pass, at start, finds nothing; let it finish and wait for its tick
      Thread.sleep(1000);
      List<PGNotification> got =
          notificationsAfter(database, () -> events.insertEvents(OutboxFixtures.events(20)), 1500);
      assertThat(got).isEmpty();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> OutboxFixtures.count(database, "published") == 20);
    }
  }

  @Test
  void shouldNotifyAPublisherTier() throws Exception {
    String database = OutboxFixtures.database();
    try (TestKafka kafka = TestKafka.start();
        // a publisher tier relays; this node only writes, and wakes it
        TestServer server = withKafka(database, kafka, "OUTBOX_PUBLISHER_INPROCESS", "false")) {
      DecisionLogRepository events = server.bean(DecisionLogRepository.class);
      List<PGNotification> got =
          notificationsAfter(database, () -> events.insertEvents(OutboxFixtures.events(20)), 3000);
      assertThat(got)
          .isNotEmpty()
          .allSatisfy(n -> assertThat(n.getName()).isEqualTo("arbiter_outbox"));
    }
  }
}
