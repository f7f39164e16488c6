package dev.arbiter.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.decision.DecisionLogRepository;
import dev.arbiter.testsupport.TestKafka;
import dev.arbiter.testsupport.TestServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Event writers wake publishers with a NOTIFY on {@value OutboxPublisher#CHANNEL} where events are
 * relayed to Kafka, and send none in log-only mode, where nobody listens and each notification was
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
  void shouldNotifyPublishersWhereKafkaIsConfigured() throws Exception {
    String database = OutboxFixtures.database();
    try (TestKafka kafka = TestKafka.start();
        TestServer server =
            TestServer.start(
                Map.of(
                    "DATABASE_URL",
                    database,
                    "KAFKA_BOOTSTRAP_SERVERS",
                    kafka.bootstrapServers(),
                    // a publisher tier relays; this node only writes, and wakes it
                    "OUTBOX_PUBLISHER_INPROCESS",
                    "false"))) {
      DecisionLogRepository events = server.bean(DecisionLogRepository.class);
      List<PGNotification> got =
          notificationsAfter(database, () -> events.insertEvents(OutboxFixtures.events(20)), 3000);
      assertThat(got)
          .isNotEmpty()
          .allSatisfy(n -> assertThat(n.getName()).isEqualTo("arbiter_outbox"));
    }
  }
}
