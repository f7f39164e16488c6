package dev.arbiter.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.db.CompressedJson;
import dev.arbiter.db.DocumentStorage;
import dev.arbiter.decision.OutboxEvent;
import dev.arbiter.decision.RecordedDecision;
import dev.arbiter.decision.StoredTrace;
import dev.arbiter.decision.jdbc.JdbcDecisionLogRepository;
import dev.arbiter.respond.RespondRepository.Interaction;
import dev.arbiter.respond.RespondRepository.Write;
import dev.arbiter.respond.jdbc.JdbcRespondRepository;
import dev.arbiter.testsupport.TestDatabase;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import tools.jackson.databind.JsonNode;

/**
 * How outbox events are stored (V10): compressed by the server by default, as jsonb when a node is
 * told to ({@code ARBITER_DOCUMENT_STORAGE=jsonb}, for a rolling upgrade), and every reader (the
 * publisher's claim, the event API, Respond's lookup of a decision) accepting rows of either format
 * and rows written before V10, on real PostgreSQL.
 */
class OutboxEventStorageIntegrationTests {

  static String migrated(String url, String target) {
    var flyway = Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration");
    if (target != null) {
      flyway.target(target);
    }
    flyway.load().migrate();
    OutboxFixtures.jdbc(url)
        .sql(
            "insert into tenants (id, key, name, created_at, updated_at)"
                + " values ('t1', 't1', 'T1', now(), now()) on conflict do nothing")
        .update();
    return url;
  }

  static JdbcDecisionLogRepository decisionLog(String url, DocumentStorage storage) {
    var ds = new DriverManagerDataSource(url);
    return new JdbcDecisionLogRepository(
        JdbcClient.create(ds),
        new JdbcTemplate(ds),
        OutboxFixtures.JSON,
        storage,
        JdbcDecisionLogRepository.DEFAULT_EVENTS_PER_ROW,
        dev.arbiter.db.EventEncoding.COMPACT,
        () -> {});
  }

  /** A decision event as Recommend writes it: the offers returned, with their propensities. */
  static OutboxEvent decision(String id, String customer) {
    Map<String, Object> offer = new LinkedHashMap<>();
    offer.put("offerKey", "o1");
    offer.put("rank", 1);
    offer.put("propensity", 0.125);
    offer.put("name", "Café ✓");
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("decisionId", id);
    data.put("customerId", customer);
    data.put("flowKey", "f");
    data.put("channel", "web");
    data.put("decidedAt", "2026-12-05T06:00:00Z");
    data.put("offers", List.of(offer));
    return OutboxEvent.cloudEvent(
        id, "t1", "t1", "decision.made.v1", customer, Instant.now(), data);
  }

  static Map<String, Object> row(String url, String id) {
    return OutboxFixtures.jdbc(url)
        .sql("select event::text as event, event_compressed from outbox_events where id = ?")
        .param(id)
        .query()
        .singleRow();
  }

  @Test
  void shouldStoreEventsCompressedAndReadEveryFormatTheTableHolds() {
    String url = migrated(TestDatabase.newDatabase(), "9");
    // an event as the version before V10 stored it
    OutboxFixtures.jdbc(url)
        .sql(
            """
            insert into outbox_events (id, tenant_id, type, partition_key, event, status,
                                       attempts, next_attempt_at, created_at)
            values ('e-1-old', 't1', 'decision.made.v1', 't1:c-old', cast(:event as jsonb), 'pending', 0,
                    now(), now())
            """)
        .param(
            "event", OutboxFixtures.JSON.writeValueAsString(decision("e-1-old", "c-old").event()))
        .update();
    migrated(url, null);
    decisionLog(url, DocumentStorage.COMPRESSED)
        .insertEvents(List.of(decision("e-2-new", "c-new")));
    decisionLog(url, DocumentStorage.JSONB).insertEvents(List.of(decision("e-3-jsonb", "c-jsonb")));

    Map<String, Object> compressed = row(url, "e-2-new");
    assertThat(compressed.get("event")).isNull();
    assertThat(Arrays.copyOf((byte[]) compressed.get("event_compressed"), 4))
        .containsExactly(0x28, 0xB5, 0x2F, 0xFD); // a zstd frame
    Map<String, Object> jsonb = row(url, "e-3-jsonb");
    assertThat(jsonb.get("event_compressed")).isNull();
    assertThat(OutboxFixtures.JSON.readTree((String) jsonb.get("event")).path("subject").asString())
        .isEqualTo("c-jsonb");

    // Respond's lookup of a decision its node no longer remembers
    JdbcDecisionLogRepository reader = decisionLog(url, DocumentStorage.COMPRESSED);
    Map<String, String> customers =
        Map.of("e-1-old", "c-old", "e-2-new", "c-new", "e-3-jsonb", "c-jsonb");
    customers.forEach(
        (id, customer) -> {
          RecordedDecision d = reader.findDecision("t1", id).orElseThrow();
          assertThat(d.decisionId()).isEqualTo(id);
          assertThat(d.customerId()).isEqualTo(customer);
          assertThat(d.flowKey()).isEqualTo("f");
          assertThat(d.offers()).containsOnlyKeys("o1");
        });

    // the event API and the publisher's claim
    var store = OutboxFixtures.store(url);
    for (String id : List.of("e-1-old", "e-2-new", "e-3-jsonb")) {
      StoredEvent e = store.find("t1", id).orElseThrow();
      assertThat(e.events().get(0).get("id")).isEqualTo(id);
      assertThat(((Map<?, ?>) e.events().get(0).get("data")).get("offers"))
          .isEqualTo(
              List.of(Map.of("offerKey", "o1", "rank", 1, "propensity", 0.125, "name", "Café ✓")));
    }
    assertThat(store.list("t1", null, null, 10, Duration.ZERO))
        .extracting(StoredEvent::id)
        .containsExactlyInAnyOrder("e-1-old", "e-2-new", "e-3-jsonb");
    List<ClaimedEvent> claimed = store.claim(10);
    assertThat(claimed)
        .extracting(ClaimedEvent::id)
        .containsExactly("e-1-old", "e-2-new", "e-3-jsonb");
    for (ClaimedEvent c : claimed) {
      JsonNode sent = OutboxFixtures.JSON.readTree(c.records().get(0).value());
      assertThat(sent.path("specversion").asString()).isEqualTo("1.0");
      assertThat(sent.path("id").asString()).isEqualTo(c.id());
      assertThat(sent.path("data").path("offers").path(0).path("name").asString())
          .isEqualTo("Café ✓");
    }
    // what the writer produced reaches Kafka byte for byte, in its own key order
    assertThat(
            new String(
                claimed.get(1).records().get(0).value(), java.nio.charset.StandardCharsets.UTF_8))
        .startsWith("{\"specversion\":\"1.0\",\"id\":\"e-2-new\"");
  }

  @Test
  void shouldWriteBatchesLargerThanOneStatementKeepingTimesAndIgnoringIdsAlreadyStored() {
    String url = migrated(TestDatabase.newDatabase(), null);
    for (DocumentStorage storage : DocumentStorage.values()) {
      int n = JdbcDecisionLogRepository.ROWS_PER_STATEMENT * 2 + 7;
      Instant base = Instant.parse("2026-03-29T00:59:59.123456789Z"); // a DST change in Europe
      List<OutboxEvent> events = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        OutboxEvent e = decision(storage + "-" + i, "c-" + i);
        events.add(
            new OutboxEvent(
                e.id(), e.tenantId(), e.type(), e.partitionKey(), e.event(), base.plusSeconds(i)));
      }
      JdbcDecisionLogRepository repo = decisionLog(url, storage);
      repo.insertEvents(events);
      // a retry after an unknown outcome, with a duplicate inside the batch
      repo.insertEvents(List.of(events.get(0), events.get(n - 1), events.get(n - 1)));

      List<Map<String, Object>> rows =
          OutboxFixtures.jdbc(url)
              .sql(
                  """
                  select id, partition_key, type, tenant_id, created_at, status,
                         next_attempt_at <= now() as due
                    from outbox_events where id like :prefix order by created_at
                  """)
              .param("prefix", storage + "-%")
              .query()
              .listOfRows();
      assertThat(rows).hasSize(n);
      for (int i = 0; i < n; i++) {
        Map<String, Object> row = rows.get(i);
        Instant expected = Instant.parse("2026-03-29T00:59:59.123457Z").plusSeconds(i); // rounded
        assertThat(row.get("id")).isEqualTo(storage + "-" + i);
        assertThat(row.get("partition_key")).isEqualTo("t1:c-" + i);
        assertThat(row.get("type")).isEqualTo("decision.made.v1");
        assertThat(row.get("tenant_id")).isEqualTo("t1");
        assertThat(row.get("status")).isEqualTo("pending");
        assertThat(((java.sql.Timestamp) row.get("created_at")).toInstant()).isEqualTo(expected);
        assertThat(row.get("due")).isEqualTo(true);
      }
      assertThat(repo.findDecision("t1", storage + "-" + (n - 1)).orElseThrow().customerId())
          .isEqualTo("c-" + (n - 1));
    }
  }

  /**
   * An event is due when the database stores it, whatever the writing node's clock says: a node
   * whose clock runs an hour ahead does not hold its events back for that hour.
   */
  @Test
  void shouldMakeEventsDueByTheDatabasesClockNotTheWritersClock() {
    String url = migrated(TestDatabase.newDatabase(), null);
    OutboxEvent e = decision("ahead-1", "c-ahead");
    Instant anHourAhead = Instant.now().plus(java.time.Duration.ofHours(1));
    decisionLog(url, DocumentStorage.COMPRESSED)
        .insertEvents(
            List.of(
                new OutboxEvent(
                    e.id(), e.tenantId(), e.type(), e.partitionKey(), e.event(), anHourAhead)));

    assertThat(
            OutboxFixtures.jdbc(url)
                .sql("select next_attempt_at <= now() from outbox_events where id = 'ahead-1'")
                .query(Boolean.class)
                .single())
        .isTrue();
  }

  @Test
  void shouldWriteTracesAsJsonbWhenToldTo() {
    String url = migrated(TestDatabase.newDatabase(), null);
    JdbcDecisionLogRepository repo = decisionLog(url, DocumentStorage.JSONB);
    Map<String, Object> body = Map.of("id", "a-1", "result", List.of("o1"));
    repo.insertTraces(
        List.of(new StoredTrace("a-1", "t1", "d-1", "r-1", "c1", "f", 1, Instant.now(), body)));

    Map<String, Object> row =
        OutboxFixtures.jdbc(url)
            .sql("select body::text as body, body_compressed from decision_traces where id = 'a-1'")
            .query()
            .singleRow();
    assertThat(row.get("body_compressed")).isNull();
    assertThat(OutboxFixtures.JSON.readTree((String) row.get("body")).path("id").asString())
        .isEqualTo("a-1");
    assertThat(
            decisionLog(url, DocumentStorage.COMPRESSED)
                .findTrace("t1", "a-1")
                .orElseThrow()
                .body())
        .isEqualTo(body);
  }

  @Test
  void shouldWriteRespondsEventInTheFormatItIsToldTo() {
    String url = migrated(TestDatabase.newDatabase(), null);
    var ds = new DriverManagerDataSource(url);
    for (DocumentStorage storage : DocumentStorage.values()) {
      String id = "i-" + storage;
      Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
      Interaction i =
          new Interaction(
              id,
              "t1",
              "c1",
              "d-1",
              "o1",
              "cat",
              "web",
              "click",
              BigDecimal.ONE,
              at,
              at,
              "k-" + storage);
      OutboxEvent event =
          OutboxEvent.cloudEvent(
              id, "t1", "t1", "interaction.recorded.v1", "c1", at, Map.of("outcome", "click"));
      var written =
          new JdbcRespondRepository(JdbcClient.create(ds), OutboxFixtures.JSON, storage, () -> {})
              .record(new Write("k-" + storage, "h", i, event, null, null, 0, false));
      assertThat(written.claimed()).isTrue();

      Map<String, Object> row = row(url, id);
      assertThat(row.get("event") == null).isEqualTo(storage == DocumentStorage.COMPRESSED);
      assertThat(row.get("event_compressed") == null).isEqualTo(storage == DocumentStorage.JSONB);
      JsonNode stored =
          OutboxFixtures.JSON.readTree(
              storage == DocumentStorage.COMPRESSED
                  ? CompressedJson.decompress((byte[]) row.get("event_compressed"))
                  : ((String) row.get("event")).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      assertThat(stored.path("data").path("outcome").asString()).isEqualTo("click");
      assertThat(
              OutboxFixtures.store(url).find("t1", id).orElseThrow().events().get(0).get("subject"))
          .isEqualTo("c1");
    }
  }

  @Test
  void shouldGiveUpMigratingRatherThanQueueInsertsBehindALongTransaction() throws Exception {
    String url = migrated(TestDatabase.newDatabase(), "9");
    try (var holder = java.sql.DriverManager.getConnection(url)) {
      // a transaction that read the table and is still open holds a lock V10 must wait for
      holder.setAutoCommit(false);
      holder.createStatement().execute("select count(*) from outbox_events");
      org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
          Duration.ofSeconds(60),
          () ->
              assertThatThrownBy(() -> migrated(url, null))
                  .hasStackTraceContaining("lock timeout"));
      holder.rollback();
    }
    migrated(url, null);
    assertThat(
            OutboxFixtures.jdbc(url)
                .sql(
                    "select count(*) from information_schema.columns"
                        + " where table_name = 'outbox_events' and column_name = 'event_compressed'")
                .query(Long.class)
                .single())
        .isEqualTo(1);
  }

  @Test
  void shouldRefuseAnEventRowWithoutAnEvent() {
    String url = migrated(TestDatabase.newDatabase(), null);

    assertThatThrownBy(
            () ->
                OutboxFixtures.jdbc(url)
                    .sql(
                        """
                        insert into outbox_events (id, tenant_id, type, partition_key,
                                                   next_attempt_at, created_at)
                        values ('e-x', 't1', 'decision.made.v1', 't1:c', now(), now())
                        """)
                    .update())
        .isInstanceOf(DataIntegrityViolationException.class)
        .hasMessageContaining("outbox_events_event_present");
  }
}
