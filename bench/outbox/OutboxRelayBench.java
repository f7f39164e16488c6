import dev.arbiter.db.DebouncedNotifier;
import dev.arbiter.decision.OutboxEvent;
import dev.arbiter.decision.jdbc.JdbcDecisionLogRepository;
import dev.arbiter.outbox.OutboxMaintenance;
import dev.arbiter.outbox.OutboxMetrics;
import dev.arbiter.outbox.OutboxProperties;
import dev.arbiter.outbox.OutboxPublisher;
import dev.arbiter.outbox.jdbc.JdbcOutboxStore;
import dev.arbiter.shared.Ids;
import dev.arbiter.testsupport.TestDatabase;
import dev.arbiter.testsupport.TestKafka;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Outbox relay figures on real components: embedded PostgreSQL (TestDatabase) and an in-process
 * KRaft broker (TestKafka), the publisher exactly as serve runs it.
 *
 * <ol>
 *   <li>throughput: N decision.made.v1 events (~1 KB) already pending, publisher started, time
 *       until the broker acknowledged the last one;
 *   <li>latency: events inserted at a steady 1,000/s in batches of 10 every 10 ms (as the decision
 *       log's writer does) while the publisher runs on NOTIFY; insert-to-ack percentiles.
 * </ol>
 *
 * Args: [throughputEvents=100000] [latencySeconds=30] [batchSize=500] [publishers=1] (publishers
 * on the same database for the throughput phase, as several processes would run).
 */
public class OutboxRelayBench {
  static final JsonMapper JSON = JsonMapper.builder().build();

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 500;
    int publishers = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    // The broker and the clients log a great deal below WARN; that would be measured too.
    ((ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    try (TestKafka kafka = TestKafka.start()) {
      System.out.printf("batch size %d, publishers %d%n", batch, publishers);
      throughput(kafka, 20_000, batch, publishers, "warm-up");
      throughput(kafka, n, batch, publishers, "throughput");
      latency(kafka, seconds, batch);
    }
    System.exit(0);
  }

  record Setup(String url, JdbcDecisionLogRepository events, List<OutboxPublisher> publishers,
      SimpleMeterRegistry meters) {
    OutboxPublisher publisher() {
      return publishers.get(0);
    }
  }

  static Setup setup(TestKafka kafka, int batch, int publishers) throws Exception {
    String url = TestDatabase.newMigratedDatabase();
    var ds = new com.zaxxer.hikari.HikariDataSource();
    ds.setJdbcUrl(url);
    ds.setMaximumPoolSize(8);
    JdbcClient jdbc = JdbcClient.create(ds);
    jdbc.sql("insert into tenants (id, key, name, created_at, updated_at)"
            + " values ('t1', 't1', 'T1', now(), now())").update();
    String topic = kafka.newTopic(6);
    OutboxProperties props = new OutboxProperties(Optional.of(kafka.bootstrapServers()), topic,
        Duration.ofSeconds(2), batch, 10, Duration.ofSeconds(1), Duration.ofMinutes(5),
        Duration.ofSeconds(30), Duration.ofDays(7), true, Path.of("/tmp/bench.alive"),
        Duration.ofSeconds(15), Duration.ofSeconds(300), Duration.ofMinutes(1), Map.of());
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    OutboxMetrics metrics = new OutboxMetrics(meters);
    JdbcOutboxStore store = new JdbcOutboxStore(jdbc, new JdbcTemplate(ds),
        new TransactionTemplate(new DataSourceTransactionManager(ds)), JSON);
    OutboxMaintenance maintenance =
        new OutboxMaintenance(store, props, metrics, Clock.systemUTC());
    List<OutboxPublisher> list = new ArrayList<>();
    for (int i = 0; i < publishers; i++) {
      list.add(OutboxPublisher.toKafka(store, maintenance, props, metrics,
          new OutboxPublisher.Listener() {}, Clock.systemUTC()));
    }
    // As the server does: a debounced NOTIFY after each committed insert wakes the publishers.
    DebouncedNotifier notifier =
        new DebouncedNotifier(ds, OutboxPublisher.CHANNEL, Duration.ofMillis(5));
    return new Setup(url,
        new JdbcDecisionLogRepository(jdbc, new JdbcTemplate(ds), JSON, notifier::poke), list,
        meters);
  }

  static List<OutboxEvent> events(int n) {
    List<OutboxEvent> list = new ArrayList<>(n);
    Instant now = Instant.now();
    for (int i = 0; i < n; i++) {
      String id = Ids.newId();
      String customer = "c-" + (i % 5000);
      Map<String, Object> offer = new LinkedHashMap<>();
      offer.put("offerKey", "gold-card");
      offer.put("score", 0.8731);
      offer.put("propensity", 0.4123);
      offer.put("fallback", false);
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("decisionId", id);
      data.put("customerId", customer);
      data.put("flowKey", "homepage");
      data.put("flowVersion", 3);
      data.put("catalogVersion", 42);
      data.put("seed", 1234567890123L);
      data.put("offers", List.of(offer, offer, offer));
      data.put("context", "x".repeat(400));
      list.add(OutboxEvent.cloudEvent(id, "t1", "t1", "decision.made.v1", customer, now, data));
    }
    return list;
  }

  static double published(SimpleMeterRegistry m) {
    var c = m.find("arbiter.outbox.published").counter();
    return c == null ? 0 : c.count();
  }

  static void throughput(TestKafka kafka, int n, int batch, int publishers, String label)
      throws Exception {
    Setup s = setup(kafka, batch, publishers);
    List<OutboxEvent> all = events(n);
    for (int i = 0; i < n; i += 5000) {
      s.events().insertEvents(all.subList(i, Math.min(n, i + 5000)));
    }
    long t0 = System.nanoTime();
    for (OutboxPublisher p : s.publishers()) {
      p.start(() -> DriverManager.getConnection(s.url()));
    }
    while (published(s.meters()) < n) {
      Thread.sleep(5);
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    s.publishers().forEach(OutboxPublisher::close);
    System.out.printf("%s: %,d events relayed in %.2f s = %,.0f events/s%n", label, n, secs,
        n / secs);
  }

  static void latency(TestKafka kafka, int seconds, int batch) throws Exception {
    Setup s = setup(kafka, batch, 1);
    s.publisher().start(() -> DriverManager.getConnection(s.url()));
    Thread.sleep(2000);
    int perTick = 10;
    long tickNanos = TimeUnit.MILLISECONDS.toNanos(10);
    int ticks = seconds * 100;
    List<OutboxEvent> all = events(ticks * perTick);
    long start = System.nanoTime();
    for (int t = 0; t < ticks; t++) {
      long due = start + t * tickNanos;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      s.events().insertEvents(all.subList(t * perTick, (t + 1) * perTick));
    }
    double insertSecs = (System.nanoTime() - start) / 1e9;
    int total = ticks * perTick;
    while (published(s.meters()) < total) {
      Thread.sleep(5);
    }
    s.publisher().close();
    Timer timer = s.meters().find("arbiter.outbox.publish.latency").timer();
    System.out.printf("latency: %,d events at %.0f events/s offered%n", total,
        total / insertSecs);
    for (ValueAtPercentile p : timer.takeSnapshot().percentileValues()) {
      System.out.printf("  insert->ack p%s = %.1f ms%n", p.percentile() * 100,
          p.value(TimeUnit.MILLISECONDS));
    }
    System.out.printf("  insert->ack max = %.1f ms, mean = %.1f ms%n",
        timer.max(TimeUnit.MILLISECONDS), timer.mean(TimeUnit.MILLISECONDS));
    // The same from the table, exact over all events (insert -> marked published, an upper bound).
    var row = JdbcClient.create(new org.springframework.jdbc.datasource.DriverManagerDataSource(
            s.url()))
        .sql("""
            select percentile_cont(0.5) within group (order by ms) as p50,
                   percentile_cont(0.99) within group (order by ms) as p99,
                   max(ms) as max
              from (select extract(epoch from published_at - inserted_at) * 1000 as ms
                      from outbox_events) x
            """)
        .query().singleRow();
    System.out.printf("  insert->marked published (SQL, exact): p50 %.1f ms, p99 %.1f ms, max"
        + " %.1f ms%n", ((Number) row.get("p50")).doubleValue(),
        ((Number) row.get("p99")).doubleValue(), ((Number) row.get("max")).doubleValue());
  }
}
