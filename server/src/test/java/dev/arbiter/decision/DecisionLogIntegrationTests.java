package dev.arbiter.decision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.arbiter.decision.jdbc.JdbcDecisionLogRepository;
import dev.arbiter.testsupport.TestDatabase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The trace/event writer against real PostgreSQL: batching, waiting for room or dropping when full,
 * retention.
 */
class DecisionLogIntegrationTests {

  static JdbcDecisionLogRepository repository(String url) {
    DriverManagerDataSource ds = new DriverManagerDataSource(url);
    return new JdbcDecisionLogRepository(
        JdbcClient.create(ds), new JdbcTemplate(ds), JsonMapper.builder().build(), () -> {});
  }

  static String migrated() {
    return migrated(TestDatabase.newDatabase(), null);
  }

  /** Migrates {@code url} up to {@code target} (null: the latest) and adds tenant t1 if missing. */
  static String migrated(String url, String target) {
    var flyway = Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration");
    if (target != null) {
      flyway.target(target);
    }
    flyway.load().migrate();
    JdbcClient.create(new DriverManagerDataSource(url))
        .sql(
            "insert into tenants (id, key, name, created_at, updated_at) values ('t1', 't1', 'T', now(), now())"
                + " on conflict do nothing")
        .update();
    return url;
  }

  /** A URL of a port nothing listens on: every connection is refused at once. */
  static String deadDatabaseUrl() throws java.io.IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return "jdbc:postgresql://127.0.0.1:" + s.getLocalPort() + "/x?connectTimeout=1";
    }
  }

  static long outboxRows(String url) {
    return JdbcClient.create(new DriverManagerDataSource(url))
        .sql("select count(*) from outbox_events")
        .query(Long.class)
        .single();
  }

  static StoredTrace trace(String id, Instant at) {
    return new StoredTrace(id, "t1", "d-" + id, "r-" + id, "c1", "f", 1, at, Map.of("id", id));
  }

  @Test
  void shouldDropAndCountRatherThanBlockWhenTheQueueIsFull() throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    DecisionLog log = new DecisionLog(repository(deadDatabaseUrl()), meters, 5, 5);
    try {
      long t0 = System.nanoTime();
      for (int i = 0; i < 50; i++) {
        log.trace(trace("x" + i, Instant.now()));
      }
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
      assertThat(meters.get("arbiter.decision.log.dropped").tag("kind", "trace").counter().count())
          .isGreaterThanOrEqualTo(40);
    } finally {
      log.close();
    }
  }

  @Test
  void shouldWriteInBatchesAndDeleteTracesPastTheRetention() {
    String url = migrated();
    JdbcDecisionLogRepository repo = repository(url);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Instant now = Instant.parse("2026-11-23T12:00:00Z");
    try (DecisionLog log = new DecisionLog(repo, meters, 1000, 100)) {
      for (int i = 0; i < 250; i++) {
        log.trace(trace(String.format("new-%03d", i), now));
      }
      log.trace(trace("old-1", now.minus(Duration.ofDays(8))));
      assertThat(log.awaitIdle(Duration.ofSeconds(10))).isTrue();
    }
    assertThat(meters.get("arbiter.decision.log.written").tag("kind", "trace").counter().count())
        .isEqualTo(251);
    DecisionTraces traces =
        new DecisionTraces(repo, Duration.ofDays(7), Clock.fixed(now, ZoneOffset.UTC));
    assertThat(traces.purge()).isEqualTo(1);
    assertThat(repo.findTrace("t1", "old-1")).isEmpty();
    assertThat(repo.findTrace("t1", "new-000")).isPresent();
  }

  static OutboxEvent event(String id) {
    return OutboxEvent.cloudEvent(
        id, "t1", "t1", "decision.made.v1", "c1", Instant.now(), Map.of("decisionId", id));
  }

  @Test
  void shouldWaitForRoomRatherThanDropAnEventWhileTheDatabaseKeepsUp() {
    // a queue of 5 fed faster than a database commits: every offer beyond the fifth finds it full
    String url = migrated();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    int n = 300;
    try (DecisionLog log =
        new DecisionLog(repository(url), meters, 5, 5, 2, Duration.ofSeconds(5), Duration.ZERO)) {
      for (int i = 0; i < n; i++) {
        log.event(event(String.format("w-%04d", i)));
      }
      assertThat(log.awaitIdle(Duration.ofSeconds(30))).isTrue();
    }
    assertThat(meters.get("arbiter.decision.log.dropped").tag("kind", "event").counter().count())
        .isZero();
    assertThat(meters.get("arbiter.decision.log.full.waits").counter().count()).isPositive();
    assertThat(outboxRows(url)).isEqualTo(n);
  }

  @Test
  void shouldDropEventsAtOnceWhileTheDatabaseIsDown() throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (DecisionLog log =
        new DecisionLog(
            repository(deadDatabaseUrl()),
            meters,
            5,
            5,
            1,
            Duration.ofSeconds(30),
            Duration.ZERO)) {
      log.event(event("first"));
      Counter failures = meters.get("arbiter.decision.log.write.failures").counter();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (failures.count() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(failures.count()).isPositive();

      long t0 = System.nanoTime();
      for (int i = 0; i < 50; i++) {
        log.event(event("down-" + i));
      }
      // a wait of 30 s per event would take 25 minutes here
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
      assertThat(meters.get("arbiter.decision.log.dropped").tag("kind", "event").counter().count())
          .isGreaterThanOrEqualTo(45);
    }
  }

  @Test
  void shouldStopWaitingForRoomOnceAWaitFindsTheDatabaseHung() throws Exception {
    // a listener that never answers: the writer's insert hangs in PostgreSQL's startup handshake
    // until the login timeout, and no insert fails meanwhile
    try (ServerSocket hung = new ServerSocket(0)) {
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      try (DecisionLog log =
          new DecisionLog(
              repository(
                  "jdbc:postgresql://127.0.0.1:" + hung.getLocalPort() + "/x?loginTimeout=3"),
              meters,
              5,
              5,
              1,
              Duration.ofMillis(200),
              Duration.ZERO)) {
        long t0 = System.nanoTime();
        for (int i = 0; i < 60; i++) {
          log.event(event("hung-" + i));
        }
        // waiting 200 ms for each of the 50 that find the queue full would take 10 s; after the
        // first wait ends without room the rest drop at once
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(
                meters.get("arbiter.decision.log.dropped").tag("kind", "event").counter().count())
            .isGreaterThanOrEqualTo(45);
        assertThat(meters.get("arbiter.decision.log.full.waits").counter().count())
            .isLessThanOrEqualTo(5);
      }
    }
  }

  @Test
  void shouldCountWhatIsLostWhenItClosesWhileTheDatabaseFails() throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    DecisionLog log =
        new DecisionLog(
            repository(deadDatabaseUrl()), meters, 100, 5, 2, Duration.ZERO, Duration.ZERO);
    for (int i = 0; i < 20; i++) {
      log.event(event("lost-" + i));
    }
    log.trace(trace("lost-trace", Instant.now()));
    Counter failures = meters.get("arbiter.decision.log.write.failures").counter();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (failures.count() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }

    log.close(); // waits for the queues, then stops the writers in their backoff

    assertThat(meters.get("arbiter.decision.log.dropped").tag("kind", "event").counter().count())
        .isEqualTo(20);
    assertThat(meters.get("arbiter.decision.log.dropped").tag("kind", "trace").counter().count())
        .isEqualTo(1);
  }

  /**
   * Shut down while inserts hang (a table lock, a storage stall): the writers outlive the wait, and
   * what they still have to write is said in an error, not left to vanish silently with the JVM.
   */
  @Test
  void shouldSayWhatIsStillUnwrittenWhenItClosesWhileInsertsHang() throws Exception {
    String url = migrated();
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(DecisionLog.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
        new ch.qos.logback.core.read.ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    try (java.sql.Connection locker = java.sql.DriverManager.getConnection(url)) {
      locker.setAutoCommit(false);
      locker.createStatement().execute("lock table outbox_events in access exclusive mode");
      DecisionLog log =
          new DecisionLog(
              repository(url), new SimpleMeterRegistry(), 100, 5, 1, Duration.ZERO, Duration.ZERO);
      for (int i = 0; i < 12; i++) {
        log.event(event("hung-" + i));
      }

      log.close(); // waits 10 s for the queue, 5 s for the writer: the insert still hangs

      List<String> errors =
          appender.list.stream()
              .filter(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR)
              .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
              .toList();
      assertThat(errors).singleElement().asString().contains("still writing after the shutdown");
      // the writer holds a batch of at most 5 (how many it took depends on when it woke)
      var queued =
          java.util.regex.Pattern.compile("(\\d+) events and 0 traces still queued")
              .matcher(errors.get(0));
      assertThat(queued.find()).as(errors.get(0)).isTrue();
      assertThat(Integer.parseInt(queued.group(1))).isBetween(7, 11);
      locker.rollback();
    } finally {
      logger.detachAppender(appender);
    }
  }

  @Test
  void shouldDropOnlyTheEventTheDatabaseRefusesAndWriteTheRestOfItsBatch() {
    String url = migrated();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (DecisionLog log = new DecisionLog(repository(url), meters, 100, 10)) {
      log.event(event("good-1"));
      // no partition key: the column's not-null constraint refuses it, on every retry
      log.event(new OutboxEvent("bad-1", "t1", "decision.made.v1", null, Map.of(), Instant.now()));
      log.event(event("good-2"));
      assertThat(log.awaitIdle(Duration.ofSeconds(10))).isTrue();
      // the writer is not stuck on it: later events are written
      log.event(event("good-3"));
      assertThat(log.awaitIdle(Duration.ofSeconds(10))).isTrue();
    }
    assertThat(outboxRows(url)).isEqualTo(3);
    assertThat(meters.get("arbiter.decision.log.dropped").tag("kind", "event").counter().count())
        .isEqualTo(1);
    assertThat(meters.get("arbiter.decision.log.written").tag("kind", "event").counter().count())
        .isEqualTo(3);
  }

  @Test
  void shouldCountEachEventOnceWhenTheDatabaseFailsWhileItWritesOneByOne() throws Exception {
    String url = migrated();
    JdbcClient sql = JdbcClient.create(new DriverManagerDataSource(url));
    // 'bad' is refused for good; 'flaky' fails once as if the server were shutting down (57P01),
    // in the middle of the one-by-one pass that 'bad' causes. A sequence is not rolled back.
    sql.sql("create sequence flaky_attempts").update();
    sql.sql(
            """
            create function test_refuse() returns trigger language plpgsql as $$
            begin
              if new.id = 'bad' then
                raise exception 'refused by test' using errcode = '23514';
              end if;
              if new.id = 'flaky' and nextval('flaky_attempts') = 1 then
                raise exception 'server going away (test)' using errcode = '57P01';
              end if;
              return new;
            end $$
            """)
        .update();
    sql.sql(
            "create trigger test_refuse before insert on outbox_events"
                + " for each row execute function test_refuse()")
        .update();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    var lockHolder = new DriverManagerDataSource(url).getConnection();
    try (DecisionLog log = new DecisionLog(repository(url), meters, 100, 10)) {
      // hold the writer on a first event, so the next five are taken as one batch
      lockHolder.setAutoCommit(false);
      lockHolder.createStatement().execute("lock table outbox_events in access exclusive mode");
      log.event(event("first"));
      Thread.sleep(300);
      for (String id : List.of("a", "bad", "b", "flaky", "c")) {
        log.event(event(id));
      }
      lockHolder.rollback();
      assertThat(log.awaitIdle(Duration.ofSeconds(20))).isTrue();
    } finally {
      lockHolder.close();
    }
    assertThat(sql.sql("select id from outbox_events order by id").query(String.class).list())
        .containsExactly("a", "b", "c", "first", "flaky");
    assertThat(meters.get("arbiter.decision.log.written").tag("kind", "event").counter().count())
        .isEqualTo(5);
    assertThat(meters.get("arbiter.decision.log.dropped").tag("kind", "event").counter().count())
        .isEqualTo(1);
  }

  @Test
  void shouldWriteEventsAsTheyComeWhenNoTracesAreSampled() {
    // The writer used to wait up to 50 ms for a trace before it took a batch of events: with
    // tracing off it wrote one batch per 50 ms, here 200 batches in 10 s, and above 10,000
    // decisions/s (batches of 500) its queue filled and events were dropped.
    String url = migrated();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    int n = 1000;
    try (DecisionLog log = new DecisionLog(repository(url), meters, 10_000, 5)) {
      for (int i = 0; i < n; i++) {
        log.event(event(String.format("e-%04d", i)));
      }
      assertThat(log.awaitIdle(Duration.ofSeconds(9))).isTrue();
    }
    assertThat(meters.get("arbiter.decision.log.written").tag("kind", "event").counter().count())
        .isEqualTo(n);
    assertThat(meters.get("arbiter.decision.log.dropped").tag("kind", "event").counter().count())
        .isZero();
    assertThat(outboxRows(url)).isEqualTo(n);
  }

  @Test
  void shouldStoreTracesCompressedAndStillReadThoseStoredAsJsonbBeforeTheUpgrade() {
    String url = migrated(TestDatabase.newDatabase(), "8");
    JdbcClient sql = JdbcClient.create(new DriverManagerDataSource(url));
    // a trace as the previous version stored it
    sql.sql(
            """
            insert into decision_traces (id, tenant_id, decision_id, request_id, customer_id,
                                         flow_key, flow_version, created_at, body)
            values ('a-old', 't1', 'd-old', 'r-old', 'c1', 'f', 1, now(),
                    '{"id": "a-old", "scores": [{"offerKey": "o1", "score": 0.5}]}')
            """)
        .update();
    migrated(url, null);
    JdbcDecisionLogRepository repo = repository(url);
    Map<String, Object> body =
        Map.of(
            "id", "b-new",
            "result", List.of("o1", "o2"),
            "scores", List.of(Map.of("offerKey", "o1", "score", 0.25, "name", "Café ✓")));
    try (DecisionLog log = new DecisionLog(repo, new SimpleMeterRegistry(), 10, 10)) {
      log.trace(
          new StoredTrace("b-new", "t1", "d-new", "r-new", "c1", "f", 1, Instant.now(), body));
      assertThat(log.awaitIdle(Duration.ofSeconds(10))).isTrue();
    }

    Map<String, Object> row =
        sql.sql("select body, body_compressed from decision_traces where id = 'b-new'")
            .query()
            .singleRow();
    assertThat(row.get("body")).isNull();
    assertThat(Arrays.copyOf((byte[]) row.get("body_compressed"), 4))
        .containsExactly(0x28, 0xB5, 0x2F, 0xFD); // a zstd frame
    assertThat(repo.findTrace("t1", "b-new").orElseThrow().body()).isEqualTo(body);
    assertThat(repo.findTrace("t1", "a-old").orElseThrow().body())
        .isEqualTo(
            Map.of("id", "a-old", "scores", List.of(Map.of("offerKey", "o1", "score", 0.5))));
    assertThat(repo.findTraces("t1", DecisionLogRepository.TraceFilter.customer("c1"), null, 10))
        .extracting(StoredTrace::id)
        .containsExactly("b-new", "a-old");
  }

  @Test
  void shouldReadATraceAnotherNodeStoredGzipCompressed() throws Exception {
    String url = migrated();
    JdbcClient sql = JdbcClient.create(new DriverManagerDataSource(url));
    var gzipped = new java.io.ByteArrayOutputStream();
    try (var z = new java.util.zip.GZIPOutputStream(gzipped)) {
      z.write("{\"id\": \"g-1\", \"result\": []}".getBytes(StandardCharsets.UTF_8));
    }
    sql.sql(
            """
            insert into decision_traces (id, tenant_id, decision_id, request_id, customer_id,
                                         flow_key, flow_version, created_at, body_compressed)
            values ('g-1', 't1', 'd-g', 'r-g', 'c1', 'f', 1, now(), :body)
            """)
        .param("body", gzipped.toByteArray())
        .update();

    assertThat(repository(url).findTrace("t1", "g-1").orElseThrow().body())
        .isEqualTo(Map.of("id", "g-1", "result", List.of()));
  }

  @Test
  void shouldRefuseATraceRowWithoutABody() {
    String url = migrated();
    JdbcClient sql = JdbcClient.create(new DriverManagerDataSource(url));

    assertThatThrownBy(
            () ->
                sql.sql(
                        """
                        insert into decision_traces (id, tenant_id, decision_id, customer_id,
                                                     created_at)
                        values ('e-1', 't1', 'd-e', 'c1', now())
                        """)
                    .update())
        .isInstanceOf(DataIntegrityViolationException.class)
        .hasMessageContaining("decision_traces_body_present");
  }

  /** How many transactions wrote the outbox rows. */
  static long insertTransactions(String url) {
    return JdbcClient.create(new DriverManagerDataSource(url))
        .sql("select count(distinct xmin::text) from outbox_events")
        .query(Long.class)
        .single();
  }

  @Test
  void shouldGatherEventsThatTrickleInIntoFewTransactions() throws Exception {
    String url = migrated();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (DecisionLog log =
        new DecisionLog(
            repository(url),
            meters,
            1000,
            500,
            2,
            Duration.ofMillis(500),
            Duration.ofMillis(300))) {
      // 50 events over about 100 ms: without lingering, about one transaction each
      for (int i = 0; i < 50; i++) {
        log.event(event(String.format("t-%04d", i)));
        Thread.sleep(2);
      }
      assertThat(log.awaitIdle(Duration.ofSeconds(5))).isTrue();
    }
    assertThat(outboxRows(url)).isEqualTo(50);
    assertThat(insertTransactions(url)).isLessThanOrEqualTo(3);
  }

  @Test
  void shouldStopGatheringOnceABatchIsQueued() {
    String url = migrated();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    // a linger far longer than the test may take: only a full batch can end the gathering
    try (DecisionLog log =
        new DecisionLog(
            repository(url), meters, 1000, 20, 1, Duration.ofMillis(500), Duration.ofMinutes(5))) {
      for (int i = 0; i < 20; i++) {
        log.event(event(String.format("b-%04d", i)));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> outboxRows(url) == 20);
    }
  }

  @Test
  void shouldWriteWhatItGathersWhenClosed() {
    String url = migrated();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    DecisionLog log =
        new DecisionLog(
            repository(url), meters, 1000, 500, 1, Duration.ofMillis(500), Duration.ofSeconds(1));
    for (int i = 0; i < 3; i++) {
      log.event(event(String.format("c-%04d", i)));
    }
    long start = System.nanoTime();
    log.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(outboxRows(url)).isEqualTo(3);
  }

  /** A request that outlives the shutdown's wait finds the log closed: counted, not lost. */
  @Test
  void shouldCountAsDroppedWhatComesAfterItClosed() {
    String url = migrated();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    DecisionLog log = new DecisionLog(repository(url), meters, 1000, 100);
    log.event(event("d-0001"));
    log.close();

    log.event(event("d-0002"));
    log.trace(trace("late", Instant.now()));

    assertThat(outboxRows(url)).isEqualTo(1);
    assertThat(meters.get("arbiter.decision.log.dropped").tag("kind", "event").counter().count())
        .isEqualTo(1);
    assertThat(meters.get("arbiter.decision.log.dropped").tag("kind", "trace").counter().count())
        .isEqualTo(1);
    assertThat(meters.get("arbiter.decision.log.queued").tag("kind", "event").gauge().value())
        .isZero();
  }

  /** An event with the future a Respond waits on. */
  static OutboxEvent awaited(String id) {
    OutboxEvent e = event(id);
    return new OutboxEvent(
        e.id(),
        e.tenantId(),
        e.type(),
        e.partitionKey(),
        e.event(),
        e.createdAt(),
        new java.util.concurrent.CompletableFuture<>());
  }

  /**
   * Whoever waits for an event to be stored (a Respond for its decision's) learns it once it is
   * stored, and also as soon as the database fails: nobody waits through an outage.
   */
  @Test
  void shouldTellWhoeverWaitsForAnEventOnceItIsStoredOrTheDatabaseFails() throws Exception {
    String url = migrated();
    try (DecisionLog log = new DecisionLog(repository(url), new SimpleMeterRegistry(), 100, 10)) {
      OutboxEvent stored = awaited("w-0001");
      log.event(stored);
      stored.settled().get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(outboxRows(url)).isEqualTo(1);
    }
    try (DecisionLog log =
        new DecisionLog(repository(deadDatabaseUrl()), new SimpleMeterRegistry(), 100, 10)) {
      OutboxEvent first = awaited("w-0002");
      log.event(first);
      first.settled().get(10, java.util.concurrent.TimeUnit.SECONDS);
      OutboxEvent queuedWhileFailing = awaited("w-0003");
      log.event(queuedWhileFailing);
      assertThat(queuedWhileFailing.settled()).isDone();
    }
  }
}
