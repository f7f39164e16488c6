package dev.arbiter.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.budget.jdbc.JdbcBudgetCounterStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

class JdbcBudgetCounterStoreIntegrationTests {
  private static final Instant NOW = Instant.parse("2026-11-23T15:00:00Z");
  private static BudgetDatabase db;
  private static JdbcBudgetCounterStore store;

  @BeforeAll
  static void database() {
    db = BudgetDatabase.migrated();
    store = db.store();
  }

  @Test
  void shouldRaiseCountersPartByPartAndNeverLowerThem() {
    BudgetCounterKey gold = new BudgetCounterKey("acme", "gold", "total");
    store.saveMax(Map.of(gold, new BudgetCount(5, 2_500_000)), NOW);

    store.saveMax(Map.of(gold, new BudgetCount(3, 4_000_000)), NOW.plusSeconds(1));
    store.saveMax(Map.of(gold, new BudgetCount(4, 1)), NOW.plusSeconds(2));

    assertThat(store.load(List.of(gold))).containsEntry(gold, new BudgetCount(5, 4_000_000));
  }

  @Test
  void shouldLoadOnlyStoredCountersAndKeepCostExactToTheMillionth() {
    BudgetCounterKey day = new BudgetCounterKey("acme", "silver", "2026-11-23");
    BudgetCounterKey otherTenant = new BudgetCounterKey("globex", "silver", "2026-11-23");
    BudgetCounterKey never = new BudgetCounterKey("acme", "bronze", "total");
    store.saveMax(Map.of(day, new BudgetCount(1, 9_007_199_254_740_991L)), NOW);

    assertThat(store.load(List.of(day, otherTenant, never)))
        .containsExactly(Map.entry(day, new BudgetCount(1, 9_007_199_254_740_991L)));
    assertThat(store.load(List.of())).isEmpty();
  }

  @Test
  void shouldSaveAndLoadMoreCountersThanOneStatementHolds() {
    Map<BudgetCounterKey, BudgetCount> many = new HashMap<>();
    for (int i = 0; i < 1_234; i++) {
      many.put(new BudgetCounterKey("initech", "offer-" + i, "total"), new BudgetCount(i, i));
    }

    JdbcBudgetCounterStore transactional =
        new JdbcBudgetCounterStore(new DriverManagerDataSource(db.url), Duration.ofSeconds(2));

    transactional.saveMax(many, NOW);

    assertThat(transactional.load(many.keySet())).isEqualTo(many);
  }

  @Test
  void shouldNotDeadlockWhenNodesFlushOverlappingCountersAtOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> flushes = new ArrayList<>();
      for (int node = 0; node < 4; node++) {
        int n = node;
        flushes.add(
            pool.submit(
                () -> {
                  for (int round = 0; round < 20; round++) {
                    Map<BudgetCounterKey, BudgetCount> batch = new HashMap<>();
                    for (int i = 0; i < 50; i++) {
                      batch.put(
                          new BudgetCounterKey("umbrella", "offer-" + i, "total"),
                          new BudgetCount(round * 4 + n, 0));
                    }
                    store.saveMax(batch, NOW);
                  }
                }));
      }
      for (Future<?> flush : flushes) {
        flush.get();
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(db.storedDecisions("umbrella", "offer-7", "total")).isEqualTo(79);
  }

  /**
   * Outage additions, on stores with transactions as the server builds them: a node's rewrite
   * returns its rows as they were; a take hands rows over one node at a time while holding them (a
   * second taker and the owner's rewrite wait or skip), deletes them only if every hand-over
   * returned, and leaves fresh rows alone.
   */
  @Test
  void shouldHandOverAbandonedOutageAdditionsOneNodeAtATimeWhileHoldingThem() throws Exception {
    var ds = new DriverManagerDataSource(db.url);
    JdbcBudgetCounterStore taker = new JdbcBudgetCounterStore(ds, Duration.ofSeconds(5));
    JdbcBudgetCounterStore other = new JdbcBudgetCounterStore(ds, Duration.ofSeconds(5));
    BudgetCounterKey gold = new BudgetCounterKey("umbrella", "gold", "total");
    BudgetCounterKey silver = new BudgetCounterKey("umbrella", "silver", "2026-11-23");
    assertThat(taker.replaceOutageAdditions("node-a", Map.of(gold, new BudgetCount(3, 1))))
        .isEmpty();
    assertThat(taker.replaceOutageAdditions("node-a", Map.of(gold, new BudgetCount(4, 2))))
        .containsExactly(Map.entry(gold, new BudgetCount(3, 1)));
    taker.replaceOutageAdditions(
        "node-b", Map.of(gold, new BudgetCount(5, 0), silver, new BudgetCount(1, 0)));

    assertThat(taker.takeAbandonedOutageAdditions(Duration.ofHours(1), 100, m -> {}))
        .as("fresh rows stay")
        .isZero();
    Thread.sleep(50);

    // a hand-over that fails deletes nothing
    List<Map<BudgetCounterKey, BudgetCount>> handed = new ArrayList<>();
    try {
      taker.takeAbandonedOutageAdditions(
          Duration.ofMillis(1),
          100,
          m -> {
            handed.add(m);
            if (handed.size() == 2) {
              throw new IllegalStateException("Redis failed");
            }
          });
    } catch (IllegalStateException expected) {
      // as the ledger's would
    }
    assertThat(handed)
        .containsExactly(
            Map.of(gold, new BudgetCount(4, 2)),
            Map.of(gold, new BudgetCount(5, 0), silver, new BudgetCount(1, 0)));

    // while one taker holds the rows, another finds none, and the owner's rewrite waits
    handed.clear();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
      Future<Integer> first =
          pool.submit(
              () ->
                  taker.takeAbandonedOutageAdditions(
                      Duration.ofMillis(1),
                      100,
                      m -> {
                        handed.add(m);
                        holding.countDown();
                        try {
                          release.await();
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      }));
      holding.await();
      assertThat(other.takeAbandonedOutageAdditions(Duration.ofMillis(1), 100, m -> handed.add(m)))
          .isZero();
      Future<Map<BudgetCounterKey, BudgetCount>> ownerRewrite =
          pool.submit(
              () -> other.replaceOutageAdditions("node-a", Map.of(gold, new BudgetCount(6, 2))));
      Thread.sleep(200);
      assertThat(ownerRewrite).isNotDone();
      release.countDown();
      assertThat(first.get()).isEqualTo(3);
      assertThat(ownerRewrite.get()).as("the owner finds its row gone: taken").isEmpty();
    } finally {
      pool.shutdownNow();
    }
    assertThat(handed).hasSize(2);
    assertThat(
            db.jdbc.sql("select node_id from budget_outage_additions").query(String.class).list())
        .containsExactly("node-a");
  }
}
