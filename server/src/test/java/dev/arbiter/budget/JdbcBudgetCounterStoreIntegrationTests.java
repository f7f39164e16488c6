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
}
