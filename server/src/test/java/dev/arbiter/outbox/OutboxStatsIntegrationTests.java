package dev.arbiter.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.outbox.jdbc.JdbcOutboxStore;
import org.junit.jupiter.api.Test;

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
  void shouldReportThePlannersEstimateAboveTheLimit() {
    String url = OutboxFixtures.database();
    OutboxFixtures.insert(url, OutboxFixtures.events(400));
    OutboxFixtures.jdbc(url).sql("analyze outbox_events").update();
    JdbcOutboxStore store = OutboxFixtures.store(url);

    OutboxStats s = store.stats(50);

    assertThat(s.pendingEstimated()).isTrue();
    // never below what was counted; after analyze, the estimate is the table's 400 rows
    assertThat(s.pending()).isGreaterThan(50).isBetween(300L, 500L);
    assertThat(s.oldestPendingCreatedAt()).isNotNull();
  }
}
