package dev.arbiter.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.engine.catalog.Budget;
import dev.arbiter.engine.catalog.BudgetPeriod;
import dev.arbiter.engine.pipeline.BudgetUsage;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class LocalBudgetLedgerTests {
  private static final LocalDate MONDAY = LocalDate.of(2026, 11, 23);
  private final LocalBudgetLedger ledger = new LocalBudgetLedger();

  @Test
  void shouldConsumeExactlyMaxDecisionsUnderEightThreads() throws Exception {
    Budget budget = new Budget(1_000L, null, BudgetPeriod.TOTAL);

    long accepted =
        concurrently(8, 400, () -> ledger.tryConsume("acme", "gold", budget, MONDAY, 1, 0));

    assertThat(accepted).isEqualTo(1_000);
    assertThat(ledger.usage("acme", Map.of("gold", BudgetPeriod.TOTAL), MONDAY))
        .containsEntry("gold", new BudgetUsage(1_000, 0));
  }

  @Test
  void shouldConsumeExactlyMaxCostUnderEightThreads() throws Exception {
    Budget budget = new Budget(null, 50.0, BudgetPeriod.DAY);

    long accepted =
        concurrently(8, 100, () -> ledger.tryConsume("acme", "gold", budget, MONDAY, 1, 0.1));

    assertThat(accepted).isEqualTo(500);
    assertThat(ledger.usage("acme", Map.of("gold", BudgetPeriod.DAY), MONDAY).get("gold"))
        .isEqualTo(new BudgetUsage(500, 50.0));
  }

  @Test
  void shouldCountDaysApartFromTheTotalAndStartEachDayAtZero() {
    Budget daily = new Budget(2L, null, BudgetPeriod.DAY);
    Budget total = new Budget(3L, null, BudgetPeriod.TOTAL);

    assertThat(ledger.tryConsume("acme", "gold", daily, MONDAY, 1, 0)).isTrue();
    assertThat(ledger.tryConsume("acme", "gold", daily, MONDAY, 1, 0)).isTrue();
    assertThat(ledger.tryConsume("acme", "gold", daily, MONDAY, 1, 0)).isFalse();
    assertThat(ledger.tryConsume("acme", "gold", daily, MONDAY.plusDays(1), 1, 0)).isTrue();
    assertThat(ledger.tryConsume("acme", "gold", total, MONDAY, 1, 0)).isTrue();

    assertThat(
            ledger.usage(
                "acme", Map.of("gold", BudgetPeriod.DAY, "silver", BudgetPeriod.TOTAL), MONDAY))
        .containsEntry("gold", new BudgetUsage(2, 0))
        .containsEntry("silver", BudgetUsage.ZERO);
    assertThat(ledger.usage("acme", Map.of("gold", BudgetPeriod.TOTAL), MONDAY.plusDays(1)))
        .containsEntry("gold", new BudgetUsage(1, 0));
    assertThat(ledger.usage("other", Map.of("gold", BudgetPeriod.DAY), MONDAY))
        .containsEntry("gold", BudgetUsage.ZERO);
  }

  @Test
  void shouldRefuseACostThatWouldPassMaxCostAndChangeNothing() {
    Budget budget = new Budget(10L, 1.0, BudgetPeriod.TOTAL);

    assertThat(ledger.tryConsume("acme", "gold", budget, MONDAY, 1, 0.7)).isTrue();
    assertThat(ledger.tryConsume("acme", "gold", budget, MONDAY, 1, 0.4)).isFalse();
    assertThat(ledger.tryConsume("acme", "gold", budget, MONDAY, 1, 0.3)).isTrue();
    // Like the engine's budget stage: without a cost, a cost budget holds while below the max.
    assertThat(ledger.tryConsume("acme", "gold", budget, MONDAY, 1, 0)).isFalse();

    assertThat(ledger.usage("acme", Map.of("gold", BudgetPeriod.TOTAL), MONDAY).get("gold"))
        .isEqualTo(new BudgetUsage(2, 1.0));
  }

  @Test
  void shouldForgetPastDaysButKeepTotals() {
    ledger.tryConsume("acme", "gold", new Budget(5L, null, BudgetPeriod.DAY), MONDAY, 1, 0);
    ledger.tryConsume("acme", "gold", new Budget(5L, null, BudgetPeriod.TOTAL), MONDAY, 1, 0);

    ledger.forgetDaysBefore(MONDAY.plusDays(1));

    assertThat(ledger.size()).isEqualTo(1);
    assertThat(ledger.usage("acme", Map.of("gold", BudgetPeriod.TOTAL), MONDAY))
        .containsEntry("gold", new BudgetUsage(1, 0));
  }

  @Test
  void shouldRejectNegativeAmountsAndADailyBudgetWithoutADay() {
    Budget budget = new Budget(5L, null, BudgetPeriod.DAY);

    assertThatThrownBy(() -> ledger.tryConsume("acme", "gold", budget, MONDAY, -1, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ledger.tryConsume("acme", "gold", budget, MONDAY, 1, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ledger.tryConsume("acme", "gold", budget, null, 1, 0))
        .hasMessageContaining("daily budget of offer 'gold'");
  }

  /** Runs {@code attempts} calls on each of {@code threads} threads; counts the true answers. */
  static long concurrently(int threads, int attempts, Callable<Boolean> call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Long>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  long accepted = 0;
                  for (int i = 0; i < attempts; i++) {
                    if (call.call()) {
                      accepted++;
                    }
                  }
                  return accepted;
                }));
      }
      start.countDown();
      long total = 0;
      for (Future<Long> result : results) {
        total += result.get();
      }
      return total;
    } finally {
      pool.shutdownNow();
    }
  }
}
