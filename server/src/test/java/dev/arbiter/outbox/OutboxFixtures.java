package dev.arbiter.outbox;

import dev.arbiter.decision.OutboxEvent;
import dev.arbiter.decision.jdbc.JdbcDecisionLogRepository;
import dev.arbiter.outbox.jdbc.JdbcOutboxStore;
import dev.arbiter.shared.Ids;
import dev.arbiter.testsupport.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/** Real databases, rows and publishers for the outbox tests; nothing here is a stand-in. */
final class OutboxFixtures {
  static final JsonMapper JSON = JsonMapper.builder().build();

  private OutboxFixtures() {}

  /** A new migrated database with tenants {@code t1} and {@code t2}; returns its JDBC URL. */
  static String database() {
    String url = TestDatabase.newMigratedDatabase();
    jdbc(url)
        .sql(
            "insert into tenants (id, key, name, created_at, updated_at)"
                + " values ('t1', 't1', 'T1', now(), now()), ('t2', 't2', 'T2', now(), now())")
        .update();
    return url;
  }

  static JdbcClient jdbc(String url) {
    return JdbcClient.create(new org.springframework.jdbc.datasource.DriverManagerDataSource(url));
  }

  /** A store on a connection pool of its own, as another process would have. */
  static JdbcOutboxStore store(String url) {
    var ds = new com.zaxxer.hikari.HikariDataSource();
    ds.setJdbcUrl(url);
    ds.setMaximumPoolSize(4);
    return new JdbcOutboxStore(
        JdbcClient.create(ds),
        new JdbcTemplate(ds),
        new TransactionTemplate(new DataSourceTransactionManager(ds)),
        JSON);
  }

  /** {@code n} {@code decision.made.v1} CloudEvents of tenant t1 spread over ten customers. */
  static List<OutboxEvent> events(int n) {
    return events(n, 0);
  }

  /** As {@link #events(int)} with {@code padding} extra characters of data in each. */
  static List<OutboxEvent> events(int n, int padding) {
    List<OutboxEvent> list = new ArrayList<>();
    Instant now = Instant.now();
    for (int i = 0; i < n; i++) {
      String id = Ids.newId();
      String customer = "c-" + (i % 10);
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("customerId", customer);
      data.put("seq", i);
      if (padding > 0) {
        data.put("padding", "x".repeat(padding));
      }
      list.add(OutboxEvent.cloudEvent(id, "t1", "t1", "decision.made.v1", customer, now, data));
    }
    return list;
  }

  /**
   * Inserts through the decision log's own repository, as Recommend does, and notifies the
   * publishers' channel through the server's debounced notifier.
   */
  static void insert(String url, List<OutboxEvent> events) {
    insert(url, events, JdbcDecisionLogRepository.DEFAULT_EVENTS_PER_ROW);
  }

  /** As {@link #insert(String, List)}, with at most {@code eventsPerRow} events to a row. */
  static void insert(String url, List<OutboxEvent> events, int eventsPerRow) {
    var ds = new org.springframework.jdbc.datasource.DriverManagerDataSource(url);
    try (var notifier =
        new dev.arbiter.db.DebouncedNotifier(
            ds, OutboxPublisher.CHANNEL, java.time.Duration.ofMillis(5))) {
      new JdbcDecisionLogRepository(
              JdbcClient.create(ds),
              new JdbcTemplate(ds),
              JSON,
              dev.arbiter.db.DocumentStorage.COMPRESSED,
              eventsPerRow,
              dev.arbiter.db.EventEncoding.COMPACT,
              notifier::poke)
          .insertEvents(events);
    }
  }

  static Map<String, Long> statuses(String url) {
    Map<String, Long> m = new LinkedHashMap<>();
    jdbc(url)
        // events, not rows: a row holds one event or a batch of them (V12)
        .sql("select status, sum(event_count) as n from outbox_events group by status")
        .query((rs, i) -> m.put(rs.getString("status"), rs.getLong("n")))
        .list();
    return m;
  }

  static long count(String url, String status) {
    return statuses(url).getOrDefault(status, 0L);
  }

  static OutboxProperties props(String servers, String topic) {
    return props(servers, topic, Duration.ofMillis(500), 10);
  }

  /** Settings for tests: short backoffs and timeouts, the given poll interval and attempts. */
  static OutboxProperties props(String servers, String topic, Duration poll, int maxAttempts) {
    return new OutboxProperties(
        Optional.ofNullable(servers),
        topic,
        poll,
        500,
        maxAttempts,
        Duration.ofMillis(50),
        Duration.ofSeconds(2),
        Duration.ofSeconds(10),
        Duration.ofDays(7),
        true,
        Path.of(System.getProperty("java.io.tmpdir"), "arbiter-test.alive"),
        Duration.ofSeconds(10),
        Duration.ofSeconds(300),
        Duration.ofMinutes(1),
        Map.of());
  }

  /** A publisher on its own pool, listening for inserts; the caller closes it. */
  static Running publisher(String url, OutboxProperties props) {
    return publisher(url, props, () -> KafkaClients.producer(props));
  }

  /** As {@link #publisher(String, OutboxProperties)}, with producers from {@code producers}. */
  static Running publisher(
      String url,
      OutboxProperties props,
      java.util.function.Supplier<org.apache.kafka.clients.producer.Producer<String, byte[]>>
          producers) {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    OutboxMetrics metrics = new OutboxMetrics(meters, true);
    JdbcOutboxStore store = store(url);
    Clock clock = Clock.systemUTC();
    OutboxMaintenance maintenance = new OutboxMaintenance(store, props, metrics, clock);
    OutboxPublisher p =
        new OutboxPublisher(
                store,
                maintenance,
                props,
                producers,
                metrics,
                new OutboxPublisher.Listener() {},
                clock)
            .start(() -> connect(url));
    return new Running(p, meters, store);
  }

  static Connection connect(String url) throws java.sql.SQLException {
    return DriverManager.getConnection(url);
  }

  record Running(OutboxPublisher publisher, SimpleMeterRegistry meters, JdbcOutboxStore store)
      implements AutoCloseable {
    double counter(String name) {
      var c = meters.find(name).counter();
      return c == null ? 0 : c.count();
    }

    @Override
    public void close() {
      publisher.close();
    }
  }
}
