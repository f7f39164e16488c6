package dev.arbiter.budget;

import static dev.arbiter.budget.LocalBudgetLedgerTests.concurrently;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.engine.catalog.Budget;
import dev.arbiter.engine.catalog.BudgetPeriod;
import dev.arbiter.engine.pipeline.BudgetUsage;
import dev.arbiter.testsupport.TestRedis;
import dev.arbiter.testsupport.TestRedis.DedicatedRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two "nodes" (two ledgers, each with its own Redis client and in-process fallback) sharing the
 * test Redis and one PostgreSQL database, as two Arbiter processes would.
 */
class RedisBudgetLedgerIntegrationTests {
  // Today, not a fixed date: Redis expires a daily counter three days after its day, so a counter
  // for a fixed past day would vanish as soon as it is written once that date is old enough.
  private static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);
  private static BudgetDatabase db;
  private static RedisClient admin;
  private static StatefulRedisConnection<String, String> adminConnection;

  private final List<AutoCloseable> closeAfter = new ArrayList<>();
  private final String tenant = "t" + UUID.randomUUID().toString().replace("-", "");

  @BeforeAll
  static void database() {
    db = BudgetDatabase.migrated();
    admin = RedisClient.create(TestRedis.uri());
    adminConnection = admin.connect();
  }

  @AfterAll
  static void closeAdmin() {
    adminConnection.close();
    admin.shutdown();
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable closeable : closeAfter.reversed()) {
      closeable.close();
    }
    // Unique tenant per test; remove its keys from the shared Redis (never flush it).
    List<String> keys =
        adminConnection.sync().keys(RedisBudgetLedger.KEY_PREFIX + "{" + tenant + "}*");
    if (!keys.isEmpty()) {
      adminConnection.sync().del(keys.toArray(String[]::new));
    }
  }

  private FailoverBudgetLedger node() {
    FailoverBudgetLedger ledger =
        new FailoverBudgetLedger(
            new RedisBudgetLedger(TestRedis.uri(), RedisBudgetLedger.DEFAULT_COMMAND_TIMEOUT),
            new LocalBudgetLedger(),
            db.store(),
            new SimpleMeterRegistry(),
            Clock.systemUTC());
    closeAfter.add(ledger);
    assertThat(ledger.status().mode()).isEqualTo(BudgetLedgerStatus.MODE_REDIS);
    return ledger;
  }

  @Test
  void shouldConsumeExactlyMaxDecisionsAcrossTwoNodes() throws Exception {
    FailoverBudgetLedger a = node();
    FailoverBudgetLedger b = node();
    Budget budget = new Budget(300L, null, BudgetPeriod.TOTAL);

    long accepted =
        concurrently(
            16,
            40,
            () ->
                (ThreadLocalRandom.current().nextBoolean() ? a : b)
                    .tryConsume(tenant, "gold", budget, TODAY, 1, 0));

    assertThat(accepted).isEqualTo(300);
    assertThat(a.usage(tenant, Map.of("gold", BudgetPeriod.TOTAL), TODAY))
        .containsEntry("gold", new BudgetUsage(300, 0));
    assertThat(b.tryConsume(tenant, "gold", budget, TODAY, 1, 0)).isFalse();
  }

  @Test
  void shouldConsumeExactlyMaxCostAcrossTwoNodes() throws Exception {
    FailoverBudgetLedger a = node();
    FailoverBudgetLedger b = node();
    Budget budget = new Budget(null, 25.0, BudgetPeriod.DAY);

    long accepted =
        concurrently(
            16,
            40,
            () ->
                (ThreadLocalRandom.current().nextBoolean() ? a : b)
                    .tryConsume(tenant, "gold", budget, TODAY, 1, 0.1));

    assertThat(accepted).isEqualTo(250);
    assertThat(b.usage(tenant, Map.of("gold", BudgetPeriod.DAY), TODAY).get("gold"))
        .isEqualTo(new BudgetUsage(250, 25.0));
  }

  @Test
  void shouldCountDaysApartFromTheTotalAndStartANewDayAtZero() {
    FailoverBudgetLedger a = node();
    FailoverBudgetLedger b = node();
    Budget daily = new Budget(2L, null, BudgetPeriod.DAY);

    assertThat(a.tryConsume(tenant, "gold", daily, TODAY, 1, 0)).isTrue();
    assertThat(b.tryConsume(tenant, "gold", daily, TODAY, 1, 0)).isTrue();
    assertThat(a.tryConsume(tenant, "gold", daily, TODAY, 1, 0)).isFalse();
    assertThat(b.tryConsume(tenant, "gold", daily, TODAY.plusDays(1), 1, 0)).isTrue();
    assertThat(a.tryConsume(tenant, "gold", new Budget(1L, null, BudgetPeriod.TOTAL), TODAY, 1, 0))
        .isTrue();

    assertThat(a.usage(tenant, Map.of("gold", BudgetPeriod.DAY), TODAY.plusDays(2)))
        .containsEntry("gold", BudgetUsage.ZERO);
    assertThat(b.usage(tenant, Map.of("gold", BudgetPeriod.DAY), TODAY.plusDays(1)))
        .containsEntry("gold", new BudgetUsage(1, 0));
    assertThat(b.usage(tenant, Map.of("gold", BudgetPeriod.TOTAL), TODAY))
        .containsEntry("gold", new BudgetUsage(1, 0));
  }

  @Test
  void shouldExpireDailyCountersAfterTheirDayButKeepTotals() {
    FailoverBudgetLedger a = node();
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    a.tryConsume(tenant, "gold", new Budget(5L, null, BudgetPeriod.DAY), today, 1, 0);
    a.tryConsume(tenant, "gold", new Budget(5L, null, BudgetPeriod.TOTAL), today, 1, 0);

    String dayKey = "arbiter:budget:{" + tenant + "}:gold:" + today;
    long ttl = adminConnection.sync().ttl(dayKey);
    assertThat(ttl).isBetween(2L * 86_400, 3L * 86_400);
    assertThat(adminConnection.sync().ttl("arbiter:budget:{" + tenant + "}:gold:total"))
        .isEqualTo(-1L);
  }

  /**
   * Two nodes' reconcilers count late charges of a day long past: the second adds to the first's
   * counter in Redis, and the larger of their saves holds both (a key that expired as it was made
   * had each seed from PostgreSQL and add its charge alone).
   */
  @Test
  void shouldAddLateChargesOfADayLongPastToOneAnother() {
    FailoverBudgetLedger a = node();
    FailoverBudgetLedger b = node();
    LocalDate past = LocalDate.now(ZoneOffset.UTC).minusDays(5);

    assertThat(a.addSpent(tenant, "gold", BudgetPeriod.DAY, past, 1.0)).isTrue();
    assertThat(b.addSpent(tenant, "gold", BudgetPeriod.DAY, past, 2.0)).isTrue();
    assertThat(a.flush()).isTrue();
    assertThat(b.flush()).isTrue();

    BudgetCounterKey key = BudgetCounterKey.of(tenant, "gold", BudgetPeriod.DAY, past);
    assertThat(db.store().load(List.of(key)).get(key))
        .isEqualTo(new BudgetCount(0, BudgetCount.micros(3.0)));
    long ttl = adminConnection.sync().ttl(RedisBudgetLedger.redisKey(key));
    assertThat(ttl).isBetween(86_400L - 60, 86_400L);
  }

  @Test
  void shouldReturnEveryRequestedOfferInOneCall() {
    FailoverBudgetLedger a = node();
    Budget daily = new Budget(100L, 10.0, BudgetPeriod.DAY);
    Budget total = new Budget(100L, null, BudgetPeriod.TOTAL);
    for (int i = 0; i < 3; i++) {
      a.tryConsume(tenant, "offer-" + i, i % 2 == 0 ? daily : total, TODAY, i + 1, 0.5);
    }
    Map<String, BudgetPeriod> offers = new LinkedHashMap<>();
    for (int i = 0; i < 50; i++) {
      offers.put("offer-" + i, i % 2 == 0 ? BudgetPeriod.DAY : BudgetPeriod.TOTAL);
    }

    Map<String, BudgetUsage> usage = node().usage(tenant, offers, TODAY);

    assertThat(usage).hasSize(50).containsOnlyKeys(offers.keySet());
    assertThat(usage.get("offer-0")).isEqualTo(new BudgetUsage(1, 0.5));
    assertThat(usage.get("offer-1")).isEqualTo(new BudgetUsage(2, 0.5));
    assertThat(usage.get("offer-2")).isEqualTo(new BudgetUsage(3, 0.5));
    assertThat(usage.get("offer-49")).isEqualTo(BudgetUsage.ZERO);
    assertThat(node().usage(tenant, Map.of(), TODAY)).isEmpty();
  }

  @Test
  void shouldLoadItsScriptsAgainWhenRedisLostThem() throws Exception {
    try (DedicatedRedis redis = TestRedis.startDedicated();
        RedisBudgetLedger ledger =
            new RedisBudgetLedger(redis.uri(), RedisBudgetLedger.DEFAULT_COMMAND_TIMEOUT)) {
      ledger.ping();
      Budget budget = new Budget(2L, null, BudgetPeriod.TOTAL);
      assertThat(ledger.tryConsume(tenant, "gold", budget, TODAY, 1, 0)).isTrue();

      RedisClient client = RedisClient.create(redis.uri());
      try (StatefulRedisConnection<String, String> conn = client.connect()) {
        conn.sync().scriptFlush();
      } finally {
        client.shutdown();
      }

      assertThat(ledger.tryConsume(tenant, "gold", budget, TODAY, 1, 0)).isTrue();
      assertThat(ledger.tryConsume(tenant, "gold", budget, TODAY, 1, 0)).isFalse();
      assertThat(ledger.usage(tenant, Map.of("gold", BudgetPeriod.TOTAL), TODAY))
          .containsEntry("gold", new BudgetUsage(2, 0));
    }
  }
}
