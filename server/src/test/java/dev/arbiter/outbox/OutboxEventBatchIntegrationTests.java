package dev.arbiter.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.db.CompressedJson;
import dev.arbiter.db.DocumentStorage;
import dev.arbiter.db.EventBatch;
import dev.arbiter.decision.OutboxEvent;
import dev.arbiter.decision.RecordedDecision;
import dev.arbiter.decision.jdbc.JdbcDecisionLogRepository;
import dev.arbiter.outbox.jdbc.JdbcOutboxStore;
import dev.arbiter.shared.Ids;
import dev.arbiter.testsupport.TestDatabase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Decision events stored many to a row (V12) against real PostgreSQL: how the writer groups them,
 * and that every reader (Respond's lookup, the event log, the publisher's claim, retention, the
 * gauges) still sees each event once.
 */
class OutboxEventBatchIntegrationTests {

  /** A UUIDv7 id of the given millisecond and sequence, as {@code Ids.newId()} makes them. */
  private static String uuid7(long millis, long seq) {
    return String.format("%08x-%04x-7000-8000-%012x", millis >>> 16, millis & 0xFFFF, seq);
  }

  private static List<OutboxEvent> decisions(List<String> ids) {
    List<OutboxEvent> events = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      events.add(OutboxEventStorageIntegrationTests.decision(ids.get(i), "c-" + i));
    }
    return events;
  }

  private static List<Map<String, Object>> rows(String url) {
    return OutboxFixtures.jdbc(url)
        .sql("select id, last_id, event_count, created_at from outbox_events order by id")
        .query()
        .listOfRows();
  }

  @Test
  void shouldStoreATenantsEventsManyToARowAndFindEachDecisionInIt() {
    String url = OutboxEventStorageIntegrationTests.migrated(TestDatabase.newDatabase(), null);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      ids.add(Ids.newId());
    }
    ids.sort(null); // ids of one millisecond are not in the order they were made
    List<OutboxEvent> events = new ArrayList<>(decisions(ids));
    java.util.Collections.shuffle(events, new java.util.Random(7)); // the queue's order varies
    events.add(OutboxEventStorageIntegrationTests.decision("not-a-uuid", "c-x"));
    JdbcDecisionLogRepository repo =
        OutboxEventStorageIntegrationTests.decisionLog(url, DocumentStorage.COMPRESSED);

    repo.insertEvents(events);
    // a retry after an unknown outcome, with an event twice: nothing is stored again
    List<OutboxEvent> again = new ArrayList<>(events);
    again.add(events.get(3));
    repo.insertEvents(again);

    List<Map<String, Object>> rows = rows(url);
    assertThat(rows).extracting(r -> r.get("event_count")).containsExactly(64, 64, 22, 1);
    assertThat(rows.get(0).get("id")).isEqualTo(ids.get(0));
    assertThat(rows.get(0).get("last_id")).isEqualTo(ids.get(63));
    assertThat(rows.get(1).get("id")).isEqualTo(ids.get(64));
    assertThat(rows.get(2).get("last_id")).isEqualTo(ids.get(149));
    assertThat(rows.get(3).get("id")).isEqualTo("not-a-uuid");
    assertThat(rows.get(3).get("last_id")).isNull();
    // each batch is one compressed document, well inside a page (no TOAST chunks)
    byte[] stored =
        OutboxFixtures.jdbc(url)
            .sql("select event_compressed from outbox_events where id = :id")
            .param("id", ids.get(0))
            .query(byte[].class)
            .single();
    assertThat(stored.length).isLessThan(8_000);
    List<EventBatch.Entry> entries =
        EventBatch.decode(CompressedJson.decompress(stored), OutboxFixtures.JSON);
    assertThat(entries).extracting(EventBatch.Entry::id).isEqualTo(ids.subList(0, 64));
    assertThat(entries.get(5).partitionKey()).isEqualTo("t1:c-5");

    // Respond's lookup finds the first, a middle and the last event of a row, and only those there
    for (int i : new int[] {0, 1, 63, 64, 100, 149}) {
      RecordedDecision d = repo.findDecision("t1", ids.get(i)).orElseThrow();
      assertThat(d.decisionId()).isEqualTo(ids.get(i));
      assertThat(d.customerId()).isEqualTo("c-" + i);
    }
    assertThat(repo.findDecision("t1", "not-a-uuid")).isPresent();
    assertThat(repo.findDecision("t1", Ids.newId())).isEmpty();
    assertThat(repo.findDecision("t2", ids.get(100))).isEmpty();
    assertThat(repo.findDecision("t1", "019aeb2c-1234-7abc-8def-0123456789ab")).isEmpty();
  }

  @Test
  void shouldStartANewRowWhenTheEventsSpanMoreThanTheLimitOrAnotherTenant() {
    String url = OutboxEventStorageIntegrationTests.migrated(TestDatabase.newDatabase(), null);
    OutboxFixtures.jdbc(url)
        .sql(
            "insert into tenants (id, key, name, created_at, updated_at)"
                + " values ('t2', 't2', 'T2', now(), now())")
        .update();
    long t = Instant.now().toEpochMilli();
    long span = EventBatch.MAX_SPAN_MILLIS;
    List<String> ids =
        List.of(uuid7(t, 1), uuid7(t + span, 2), uuid7(t + span + 1, 3), uuid7(t + span + 2, 4));
    List<OutboxEvent> events = new ArrayList<>(decisions(ids));
    OutboxEvent other = OutboxEventStorageIntegrationTests.decision(uuid7(t, 9), "c-t2");
    events.add(
        new OutboxEvent(
            other.id(), "t2", other.type(), "t2:c-t2", other.event(), other.createdAt()));

    OutboxEventStorageIntegrationTests.decisionLog(url, DocumentStorage.COMPRESSED)
        .insertEvents(events);

    // the first row ends where the next event is more than the span after its first
    assertThat(rows(url))
        .extracting(r -> r.get("id") + "/" + r.get("event_count"))
        .containsExactlyInAnyOrder(ids.get(0) + "/2", ids.get(2) + "/2", uuid7(t, 9) + "/1");
    JdbcDecisionLogRepository repo =
        OutboxEventStorageIntegrationTests.decisionLog(url, DocumentStorage.COMPRESSED);
    for (String id : ids) {
      assertThat(repo.findDecision("t1", id)).as(id).isPresent();
    }
    assertThat(repo.findDecision("t2", uuid7(t, 9))).isPresent();
  }

  @Test
  void shouldEndARowWhereItsEventsWouldPassTheJsonBudget() {
    String url = OutboxFixtures.database();
    // about 20 KB of JSON each: two make a row, a third would pass 48 KiB
    List<OutboxEvent> events = OutboxFixtures.events(5, 20_000);

    OutboxFixtures.insert(url, events);

    assertThat(rows(url)).extracting(r -> r.get("event_count")).containsExactly(2, 2, 1);
    assertThat(OutboxFixtures.store(url).stats().pending()).isEqualTo(5);
  }

  @Test
  void shouldKeepABudgetChargeWhileAnyRowStillHoldsItsDecision() {
    String url = OutboxEventStorageIntegrationTests.migrated(TestDatabase.newDatabase(), null);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add(Ids.newId());
    }
    ids.sort(null);
    OutboxEventStorageIntegrationTests.decisionLog(url, DocumentStorage.COMPRESSED)
        .insertEvents(decisions(ids));
    String gone = Ids.newId(); // a decision whose event is no longer stored
    for (String id : List.of(ids.get(0), ids.get(5), ids.get(9), gone)) {
      OutboxFixtures.jdbc(url)
          .sql(
              "insert into decision_charges (tenant_id, decision_id, offer_key, interaction_id,"
                  + " cost, charged_at) values ('t1', :id, 'o1', :id, 1, now() - interval '30 days')")
          .param("id", id)
          .update();
    }
    var respond =
        new dev.arbiter.respond.jdbc.JdbcRespondRepository(
            OutboxFixtures.jdbc(url), OutboxFixtures.JSON, () -> {});

    assertThat(respond.deleteChargesBefore(Instant.now(), 100)).isEqualTo(1);

    assertThat(
            OutboxFixtures.jdbc(url)
                .sql("select decision_id from decision_charges order by decision_id")
                .query(String.class)
                .list())
        .containsExactly(ids.get(0), ids.get(5), ids.get(9));
  }

  @Test
  void shouldComputeTheLowestRowIdInSqlAsInJava() {
    String url = OutboxFixtures.database();
    for (String id :
        List.of(
            Ids.newId(),
            "019aeb2c-1234-7abc-8def-0123456789ab",
            "00000000-0001-7000-8000-000000000000",
            "not-a-uuid")) {
      String sql =
          OutboxFixtures.jdbc(url)
              .sql("select outbox_lowest_row_id(:id)")
              .param("id", id)
              .query(String.class)
              .single();
      String java = id.equals("not-a-uuid") ? id : EventBatch.lowestRowId(id);
      assertThat(sql).as(id).isEqualTo(java);
    }
  }

  @Test
  void shouldWriteMoreRowsThanOneStatementTakesAndNothingTwiceOnARetry() {
    String url = OutboxFixtures.database();
    int rows = JdbcDecisionLogRepository.ROWS_PER_STATEMENT + 4;
    List<OutboxEvent> events = OutboxFixtures.events(rows * 2);

    OutboxFixtures.insert(url, events, 2);
    OutboxFixtures.insert(url, events, 2); // a retry after an unknown outcome

    assertThat(rows(url))
        .hasSize(rows)
        .allSatisfy(r -> assertThat(r.get("event_count")).isEqualTo(2));
    assertThat(OutboxFixtures.store(url).stats().pending()).isEqualTo(rows * 2L);
  }

  @Test
  void shouldListARowItCannotReadWithItsCountAndWhy() {
    String url = OutboxFixtures.database();
    List<OutboxEvent> events = OutboxFixtures.events(70);
    OutboxFixtures.insert(url, events);
    String first = events.stream().map(OutboxEvent::id).sorted().findFirst().orElseThrow();
    // a zstd frame header and nothing after it
    OutboxFixtures.jdbc(url)
        .sql(
            "update outbox_events set event_compressed = '\\x28b52ffd00'::bytea,"
                + " inserted_at = inserted_at - interval '1 minute' where id = :id")
        .param("id", first)
        .update();
    OutboxFixtures.jdbc(url)
        .sql("update outbox_events set inserted_at = inserted_at - interval '1 minute'")
        .update();
    JdbcOutboxStore store = OutboxFixtures.store(url);

    Map<String, Object> row = OutboxEvents.view(store.find("t1", first).orElseThrow());
    assertThat(row.get("eventCount")).isEqualTo(64);
    assertThat((List<?>) row.get("events")).singleElement().asString().contains("unreadable");
    // the log shows the row as one entry saying why, then the readable row's 6 events
    var page =
        new OutboxEvents(store, null, null, java.time.Clock.systemUTC()).events("t1", 50, null);
    assertThat(page.data()).hasSize(7);
    assertThat(page.data().get(0)).containsKey("unreadable");
    // the publisher's claim: the row fails its attempt instead of holding back the rest
    List<ClaimedEvent> claimed = store.claim(500);
    assertThat(claimed.get(0).unreadable()).isNotNull();
    assertThat(claimed.get(0).eventCount()).isEqualTo(64);
    assertThat(claimed.get(1).records()).hasSize(6);
  }

  @Test
  void shouldClaimPastTheLimitTheRowsWhoseIdsOverlapThoseTaken() {
    String url = OutboxEventStorageIntegrationTests.migrated(TestDatabase.newDatabase(), null);
    long t = Instant.now().toEpochMilli();
    // two writers' rows whose ids interleave, then one after both
    String a1 = uuid7(t, 1);
    String a2 = uuid7(t + 3_000, 1);
    String b1 = uuid7(t + 100, 1);
    String b2 = uuid7(t + 4_000, 1);
    String c1 = uuid7(t + 5_000, 1);
    String c2 = uuid7(t + 5_001, 1);
    var repo = OutboxEventStorageIntegrationTests.decisionLog(url, DocumentStorage.COMPRESSED);
    repo.insertEvents(decisions(List.of(a1, a2)));
    repo.insertEvents(decisions(List.of(b1, b2)));
    repo.insertEvents(decisions(List.of(c1, c2)));
    JdbcOutboxStore store = OutboxFixtures.store(url);

    // the limit is met by the first row; the second starts inside it, the third after both
    List<ClaimedEvent> claimed = store.claim(2);

    assertThat(claimed).extracting(ClaimedEvent::id).containsExactly(a1, b1);
    assertThat(store.claim(2)).extracting(ClaimedEvent::id).containsExactly(c1);
  }

  @Test
  void shouldWriteARowPerEventWhenToldTo() {
    String url = OutboxFixtures.database();
    OutboxFixtures.insert(url, OutboxFixtures.events(10), 1);
    assertThat(rows(url)).hasSize(10).allSatisfy(r -> assertThat(r.get("last_id")).isNull());
  }

  @Test
  void shouldListEveryEventOnceInTheLogAndClaimEveryOneAsARecord() {
    String url = OutboxFixtures.database();
    List<OutboxEvent> events = OutboxFixtures.events(150);
    OutboxFixtures.insert(url, events);
    JdbcOutboxStore store = OutboxFixtures.store(url);
    OutboxFixtures.jdbc(url)
        .sql("update outbox_events set inserted_at = inserted_at - interval '1 minute'")
        .update();
    OutboxEvents log = new OutboxEvents(store, null, null, java.time.Clock.systemUTC());

    // pages of 7 end inside rows of 64 and resume there
    List<String> listed = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      var page = log.events("t1", 7, cursor);
      page.data().forEach(e -> listed.add((String) e.get("id")));
      page.data().forEach(e -> assertThat(e.get("status")).isEqualTo("pending"));
      cursor = page.pagination().hasMore() ? page.pagination().nextCursor() : null;
      pages++;
    } while (cursor != null);
    assertThat(listed).isEqualTo(events.stream().map(OutboxEvent::id).sorted().toList());
    assertThat(pages).isEqualTo(22); // 150 / 7, rounded up
    // a reader that follows the log finds nothing new at its end, and keeps its cursor
    var end = log.events("t1", 7, log.events("t1", 500, null).pagination().nextCursor());
    assertThat(end.data()).isEmpty();

    // the admin view shows a batch row with its events
    Map<String, Object> row = OutboxEvents.view(store.find("t1", events.get(0).id()).orElseThrow());
    assertThat(row.get("eventCount")).isEqualTo(64);
    assertThat(row).doesNotContainKey("event");
    assertThat((List<?>) row.get("events")).hasSize(64);

    // the publisher's claim: a record per event, with its own key and the bytes written
    // a claim takes up to its limit in events, and at least one row
    assertThat(store.claim(10)).extracting(ClaimedEvent::eventCount).containsExactly(64);
    OutboxFixtures.jdbc(url).sql("update outbox_events set status = 'pending'").update();
    assertThat(store.claim(100)).extracting(ClaimedEvent::eventCount).containsExactly(64);
    OutboxFixtures.jdbc(url).sql("update outbox_events set status = 'pending'").update();
    List<ClaimedEvent> claimed = store.claim(500);
    assertThat(claimed).extracting(ClaimedEvent::eventCount).containsExactly(64, 64, 22);
    List<ClaimedEvent.Record> records =
        claimed.stream().flatMap(c -> c.records().stream()).toList();
    assertThat(records)
        .extracting(ClaimedEvent.Record::id)
        .isEqualTo(events.stream().map(OutboxEvent::id).sorted().toList());
    for (ClaimedEvent.Record r : records) {
      OutboxEvent e = events.stream().filter(x -> x.id().equals(r.id())).findFirst().orElseThrow();
      assertThat(r.key()).isEqualTo(e.partitionKey());
      assertThat(OutboxFixtures.JSON.readTree(r.value()).path("id").asString()).isEqualTo(e.id());
    }
    assertThat(store.stats().processing()).isEqualTo(150);
  }

  @Test
  void shouldCountPurgedEventsNotRows() {
    String url = OutboxFixtures.database();
    OutboxFixtures.insert(url, OutboxFixtures.events(150));
    JdbcOutboxStore store = OutboxFixtures.store(url);
    var meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    OutboxProperties logOnly = OutboxFixtures.props(null, "t");
    var later =
        java.time.Clock.offset(java.time.Clock.systemUTC(), logOnly.retention().plusHours(1));

    long purged =
        new OutboxMaintenance(store, logOnly, new OutboxMetrics(meters, false), later).purge();

    assertThat(purged).isEqualTo(150);
    assertThat(meters.counter("arbiter.outbox.purged", "status", "pending").count()).isEqualTo(150);
    assertThat(rows(url)).isEmpty();
    assertThat(store.stats().pending()).isZero();
  }

  /**
   * A node without Kafka beside a publisher tier: once a publisher has recorded itself, the pending
   * rows are its backlog and retention keeps them, however long the tier is down or behind (older
   * than the retention or not); skipped runs are counted. Without any publisher on record, the log
   * is bounded again.
   */
  @Test
  void shouldKeepPendingEventsForAPublisherElsewhereWhenLogOnly() {
    String url = OutboxFixtures.database();
    OutboxFixtures.insert(url, OutboxFixtures.events(20), 1);
    JdbcOutboxStore store = OutboxFixtures.store(url);
    var meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    OutboxProperties logOnly = OutboxFixtures.props(null, "t");
    // a year on: the publisher last ran long before the retention, and every row is older
    var later = java.time.Clock.offset(java.time.Clock.systemUTC(), java.time.Duration.ofDays(365));
    OutboxMaintenance maintenance =
        new OutboxMaintenance(store, logOnly, new OutboxMetrics(meters, false), later);
    assertThat(store.publisherLastSeen()).isEmpty();
    maintenance.publisherAlive("tier-1"); // what a publisher's loop does
    maintenance.publisherAlive("tier-1"); // at most once a minute: no second write
    assertThat(store.publisherLastSeen()).isPresent();

    assertThat(maintenance.purge()).isZero();
    assertThat(store.stats().pending()).isEqualTo(20);
    assertThat(meters.counter("arbiter.outbox.purge.skipped").count()).isEqualTo(1);

    // the publisher retired for good: its rows deleted, the log is bounded again
    OutboxFixtures.jdbc(url).sql("delete from outbox_publishers").update();
    assertThat(maintenance.purge()).isEqualTo(20);
    assertThat(store.stats().pending()).isZero();
  }
}
