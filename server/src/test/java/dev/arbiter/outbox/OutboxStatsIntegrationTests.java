package dev.arbiter.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.decision.OutboxEvent;
import dev.arbiter.outbox.jdbc.JdbcOutboxStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * The backlog gauges' reading against real PostgreSQL: exact while the backlog is small, the
 * planner's estimate (flagged) above the exact count's limit, so a large backlog costs no scan of
 * every pending row at each refresh.
 */
class OutboxStatsIntegrationTests {

  @Test
  void shouldCountPendingEventsExactlyUpToTheLimit() {
    String url = OutboxFixtures.database();
    OutboxFixtures.insert(url, OutboxFixtures.events(30));
    JdbcOutboxStore store = OutboxFixtures.store(url);

    OutboxStats s = store.stats(30);

    assertThat(s.pending()).isEqualTo(30);
    assertThat(s.pendingEstimated()).isFalse();
    assertThat(store.stats().pending()).isEqualTo(30);
  }

  @Test
  void shouldCountEventsNotRows() {
    String url = OutboxFixtures.database();
    // 150 events in rows of up to 64: 64, 64, 22
    OutboxFixtures.insert(url, OutboxFixtures.events(150));
    JdbcOutboxStore store = OutboxFixtures.store(url);
    assertThat(
            OutboxFixtures.jdbc(url)
                .sql("select count(*) from outbox_events")
                .query(Long.class)
                .single())
        .isEqualTo(3);

    OutboxStats s = store.stats(3);

    assertThat(s.pending()).isEqualTo(150);
    assertThat(s.pendingEstimated()).isFalse();
    String first =
        OutboxFixtures.jdbc(url)
            .sql("select min(id) from outbox_events")
            .query(String.class)
            .single();
    OutboxFixtures.jdbc(url)
        .sql("update outbox_events set status = 'processing' where id = :id")
        .param("id", first)
        .update();
    assertThat(store.stats())
        .satisfies(
            t -> {
              assertThat(t.pending()).isEqualTo(150 - 64);
              assertThat(t.processing()).isEqualTo(64);
            });
  }

  @Test
  void shouldReportThePlannersEstimateAboveTheLimit() {
    String url = OutboxFixtures.database();
    // 100 rows of 4 events
    OutboxFixtures.insert(url, OutboxFixtures.events(400), 4);
    OutboxFixtures.jdbc(url).sql("analyze outbox_events").update();
    JdbcOutboxStore store = OutboxFixtures.store(url);

    OutboxStats s = store.stats(50);

    assertThat(s.pendingEstimated()).isTrue();
    // never below what was counted; after analyze, the estimate is the table's 100 rows times the
    // 4 events of each counted
    assertThat(s.pending()).isGreaterThan(50 * 4).isBetween(300L, 500L);
    assertThat(s.oldestPendingCreatedAt()).isNotNull();
  }

  /**
   * The oldest unpublished event, pending or claimed, read from the index: the statement reads a
   * few pages of a 20,000-row table. Its previous form, {@code min(created_at) where status in
   * ('pending', 'processing')}, read the whole table at every refresh (a parallel scan of 1.7
   * million rows on the benchmark machine, every ten seconds).
   */
  @Test
  void shouldFindTheOldestUnpublishedEventWithoutReadingTheTable() {
    String url = OutboxFixtures.database();
    // distinct creation times, as a real backlog has (equal ones deduplicate the index to a few
    // pages, where even a walk over every entry reads little), within the last half hour: the two
    // rows below are the oldest
    List<OutboxEvent> events = new ArrayList<>();
    for (OutboxEvent e : OutboxFixtures.events(20_000)) {
      events.add(
          new OutboxEvent(
              e.id(),
              e.tenantId(),
              e.type(),
              e.partitionKey(),
              e.event(),
              e.createdAt().minusMillis(events.size() * 90L)));
    }
    OutboxFixtures.insert(url, events, 1); // a row per event: a table of hundreds of pages
    JdbcClient jdbc = OutboxFixtures.jdbc(url);
    String claimed = jdbc.sql("select min(id) from outbox_events").query(String.class).single();
    String waiting =
        jdbc.sql("select min(id) from outbox_events where id > :id")
            .param("id", claimed)
            .query(String.class)
            .single();
    jdbc.sql(
            "update outbox_events set status = 'processing', claimed_at = now(),"
                + " created_at = now() - interval '2 hours' where id = :id")
        .param("id", claimed)
        .update();
    jdbc.sql("update outbox_events set created_at = now() - interval '1 hour' where id = :id")
        .param("id", waiting)
        .update();
    jdbc.sql("vacuum analyze outbox_events").update();
    JdbcOutboxStore store = OutboxFixtures.store(url);

    assertThat(store.stats(50).oldestPendingCreatedAt()).isEqualTo(createdAt(jdbc, claimed));
    JsonNode plan =
        OutboxFixtures.JSON
            .readTree(
                jdbc.sql("explain (analyze, buffers, format json) " + JdbcOutboxStore.STATS)
                    .param("over", 51)
                    .query(String.class)
                    .single())
            .path(0)
            .path("Plan");
    long pages = plan.path("Shared Hit Blocks").asLong() + plan.path("Shared Read Blocks").asLong();
    long tablePages =
        jdbc.sql("select relpages from pg_class where relname = 'outbox_events'")
            .query(Long.class)
            .single();
    assertThat(tablePages).isGreaterThan(300);
    assertThat(pages).as("pages read of a %d-page table", tablePages).isLessThan(60);

    jdbc.sql("update outbox_events set status = 'published' where id = :id")
        .param("id", claimed)
        .update();
    assertThat(store.stats(50).oldestPendingCreatedAt()).isEqualTo(createdAt(jdbc, waiting));
  }

  private static java.time.Instant createdAt(JdbcClient jdbc, String id) {
    return jdbc.sql("select created_at from outbox_events where id = :id")
        .param("id", id)
        .query(java.sql.Timestamp.class)
        .single()
        .toInstant();
  }
}
