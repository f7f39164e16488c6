package dev.arbiter.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.budget.FailoverBudgetLedger.Settings;
import dev.arbiter.engine.catalog.Budget;
import dev.arbiter.engine.catalog.BudgetPeriod;
import dev.arbiter.engine.pipeline.BudgetUsage;
import dev.arbiter.testsupport.TestRedis;
import dev.arbiter.testsupport.TestRedis.DedicatedRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Restarts and outages: ledgers closed and built again over the same PostgreSQL database, and Redis
 * servers of the test's own stopped, restarted empty, or paused.
 */
class FailoverBudgetLedgerIntegrationTests {
  /** The command timeout plus room for a loaded 2-core machine; far below a hang. */
  private static final Duration MAX_ANSWER_TIME = Duration.ofMillis(1_000);

  // Today, not a fixed date: Redis expires a daily counter three days after its day, so a counter
  // for a fixed past day would vanish as soon as it is written once that date is old enough.
  private static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);
  private static final Budget TEN = new Budget(10L, null, BudgetPeriod.TOTAL);
  private static final Map<String, BudgetPeriod> GOLD = Map.of("gold", BudgetPeriod.TOTAL);

  /** Refuses budgeted offers while Redis is down; probes every 200 ms. */
  private static final Settings FAIL_CLOSED =
      new Settings(Duration.ofSeconds(1), Duration.ofMillis(200), BudgetOutagePolicy.REFUSE);

  private final List<AutoCloseable> closeAfter = new ArrayList<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final String tenant = "t" + UUID.randomUUID().toString().replace("-", "");
  private BudgetDatabase db;

  @BeforeEach
  void database() {
    db = BudgetDatabase.migrated();
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable closeable : closeAfter.reversed()) {
      closeable.close();
    }
  }

  private FailoverBudgetLedger ledger(RedisURI redis, Settings settings) {
    return ledger(redis, db.store(), settings);
  }

  private FailoverBudgetLedger ledger(RedisURI redis, BudgetCounterStore store, Settings settings) {
    FailoverBudgetLedger ledger =
        new FailoverBudgetLedger(
            redis == null
                ? null
                : new RedisBudgetLedger(redis, RedisBudgetLedger.DEFAULT_COMMAND_TIMEOUT),
            new LocalBudgetLedger(),
            store,
            meters,
            Clock.systemUTC(),
            settings);
    closeAfter.add(ledger);
    return ledger;
  }

  private DedicatedRedis dedicatedRedis() {
    DedicatedRedis redis = TestRedis.startDedicated();
    closeAfter.add(redis);
    return redis;
  }

  @Test
  void shouldContinueFromPostgresqlAfterArbiterAndRedisLostTheirCounters() {
    DedicatedRedis redis = dedicatedRedis();
    FailoverBudgetLedger before = ledger(redis.uri(), Settings.DEFAULTS);
    for (int i = 0; i < 7; i++) {
      assertThat(before.tryConsume(tenant, "gold", TEN, TODAY, 1, 0.25)).isTrue();
    }
    before.close();
    assertThat(db.storedDecisions(tenant, "gold", "total")).isEqualTo(7);

    redis.stop(); // no persistence: Redis comes back empty
    redis.start();
    FailoverBudgetLedger after = ledger(redis.uri(), Settings.DEFAULTS);

    assertThat(after.usage(tenant, GOLD, TODAY)).containsEntry("gold", new BudgetUsage(7, 1.75));
    for (int i = 0; i < 3; i++) {
      assertThat(after.tryConsume(tenant, "gold", TEN, TODAY, 1, 0.25)).isTrue();
    }
    assertThat(after.tryConsume(tenant, "gold", TEN, TODAY, 1, 0.25)).isFalse();
    assertThat(after.status().mode()).isEqualTo(BudgetLedgerStatus.MODE_REDIS);
  }

  @Test
  void shouldSeedACounterOnFirstConsumeWithoutAPriorRead() {
    FailoverBudgetLedger before = ledger(null, Settings.DEFAULTS);
    Budget daily = new Budget(3L, null, BudgetPeriod.DAY);
    before.tryConsume(tenant, "gold", daily, TODAY, 2, 0);
    before.close();

    // The shared Redis has never seen this tenant: its counter is seeded by tryConsume itself.
    FailoverBudgetLedger after = ledger(TestRedis.uri(), Settings.DEFAULTS);

    assertThat(after.tryConsume(tenant, "gold", daily, TODAY, 1, 0)).isTrue();
    assertThat(after.tryConsume(tenant, "gold", daily, TODAY, 1, 0)).isFalse();
  }

  @Test
  void shouldContinueFromPostgresqlAfterARestartWithoutRedis() {
    FailoverBudgetLedger before = ledger(null, Settings.DEFAULTS);
    for (int i = 0; i < 9; i++) {
      before.tryConsume(tenant, "gold", TEN, TODAY, 1, 0);
    }
    before.close();

    FailoverBudgetLedger after = ledger(null, Settings.DEFAULTS);

    assertThat(after.usage(tenant, GOLD, TODAY)).containsEntry("gold", new BudgetUsage(9, 0));
    assertThat(after.tryConsume(tenant, "gold", TEN, TODAY, 1, 0)).isTrue();
    assertThat(after.tryConsume(tenant, "gold", TEN, TODAY, 1, 0)).isFalse();
    assertThat(after.status())
        .extracting(s -> s.mode(), s -> s.healthy(), s -> s.configured())
        .containsExactly(BudgetLedgerStatus.MODE_IN_PROCESS, true, false);
  }

  @Test
  void shouldConsumeExactlyTheBudgetUnderEightThreadsWithoutRedisAndStoreIt() throws Exception {
    FailoverBudgetLedger node = ledger(null, Settings.DEFAULTS);
    Budget budget = new Budget(500L, 40.0, BudgetPeriod.DAY);

    long accepted =
        LocalBudgetLedgerTests.concurrently(
            8, 100, () -> node.tryConsume(tenant, "gold", budget, TODAY, 1, 0.05));
    node.close();

    assertThat(accepted).isEqualTo(500);
    assertThat(db.storedDecisions(tenant, "gold", TODAY.toString())).isEqualTo(500);
    assertThat(db.store().load(List.of(new BudgetCounterKey(tenant, "gold", TODAY.toString()))))
        .containsValue(new BudgetCount(500, 25_000_000));
  }

  @Test
  void shouldWriteCountersBehindWithinAboutAFlushInterval() throws Exception {
    FailoverBudgetLedger ledger = ledger(TestRedis.uri(), Settings.DEFAULTS);
    for (int i = 0; i < 4; i++) {
      ledger.tryConsume(tenant, "gold", TEN, TODAY, 1, 0);
    }

    awaitTrue(() -> db.storedDecisions(tenant, "gold", "total") == 4, Duration.ofSeconds(5));
    assertThat(ledger.status().unflushedCounters()).isZero();
  }

  @Test
  void shouldCountInMemoryWhileRedisIsDownAndAddItToRedisWhenBack() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    FailoverBudgetLedger node = ledger(redis.uri(), Settings.DEFAULTS);
    for (int i = 0; i < 3; i++) {
      assertThat(node.tryConsume(tenant, "gold", TEN, TODAY, 1, 0)).isTrue();
    }

    redis.stop();
    // Seeded from the last value this node saw (3), it spends the rest of the budget, no more.
    int accepted = 0;
    for (int i = 0; i < 10; i++) {
      if (timed(() -> node.tryConsume(tenant, "gold", TEN, TODAY, 1, 0))) {
        accepted++;
      }
    }
    assertThat(accepted).isEqualTo(7);
    assertThat(timed(() -> node.usage(tenant, GOLD, TODAY)))
        .containsEntry("gold", new BudgetUsage(10, 0));
    BudgetLedgerStatus degraded = node.status();
    assertThat(degraded.mode()).isEqualTo(BudgetLedgerStatus.MODE_IN_PROCESS);
    assertThat(degraded.healthy()).isFalse();
    assertThat(degraded.configured()).isTrue();
    assertThat(degraded.lastError()).isNotBlank();
    assertThat(counter("arbiter.budget.redis.errors")).isEqualTo(1);
    assertThat(consumed("accepted", "local")).isEqualTo(7);
    assertThat(consumed("exhausted", "local")).isEqualTo(3);
    assertThat(meters.get("arbiter.budget.degraded").gauge().value()).isEqualTo(1);

    redis.start(); // empty: the counter is set from what this node counted
    awaitTrue(() -> node.status().healthy(), Duration.ofSeconds(5));

    assertThat(node.status().mode()).isEqualTo(BudgetLedgerStatus.MODE_REDIS);
    assertThat(node.tryConsume(tenant, "gold", TEN, TODAY, 1, 0)).isFalse();
    FailoverBudgetLedger other = ledger(redis.uri(), Settings.DEFAULTS);
    assertThat(other.usage(tenant, GOLD, TODAY)).containsEntry("gold", new BudgetUsage(10, 0));
    assertThat(meters.get("arbiter.budget.degraded").gauge().value()).isZero();
  }

  /**
   * A call that began in memory before Redis came back, and seeded its counter there after the
   * recovery had cleared memory, must not leave that counter to the next outage: by then Redis has
   * counted on, and the next outage starts from the last value this node saw.
   */
  @Test
  void shouldNotStartTheNextOutageFromACounterSeededInMemoryAsTheLastOneEnded() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    // no flush by itself: the only session waiting on the lock below is silver's seeding read
    FailoverBudgetLedger node =
        ledger(
            redis.uri(),
            new Settings(
                Duration.ofHours(1), Duration.ofSeconds(1), BudgetOutagePolicy.COUNT_LOCALLY));
    assertThat(node.tryConsume(tenant, "gold", TEN, TODAY, 1, 0)).isTrue();
    redis.stop();
    assertThat(timed(() -> node.tryConsume(tenant, "gold", TEN, TODAY, 1, 0))).isTrue();
    assertThat(node.status().healthy()).isFalse();

    // silver's seeding read waits on a lock while Redis comes back and the ledger returns to it
    try (Connection locker = DriverManager.getConnection(db.url)) {
      locker.setAutoCommit(false);
      try (Statement lock = locker.createStatement()) {
        lock.execute("lock table budget_counters in access exclusive mode");
      }
      CompletableFuture<Boolean> inFlight =
          CompletableFuture.supplyAsync(() -> node.tryConsume(tenant, "silver", TEN, TODAY, 1, 0));
      awaitTrue(
          () ->
              db.jdbc
                      .sql(
                          "select count(*) from pg_stat_activity where wait_event_type = 'Lock'"
                              + " and datname = current_database()")
                      .query(Long.class)
                      .single()
                  == 1,
          Duration.ofSeconds(10));
      redis.start();
      awaitTrue(() -> node.status().healthy(), Duration.ofSeconds(5));
      locker.rollback();
      assertThat(inFlight.get(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(node.flush()).isTrue(); // that call's consumption reaches Redis
    for (int i = 0; i < 5; i++) {
      assertThat(node.tryConsume(tenant, "silver", TEN, TODAY, 1, 0)).isTrue();
    }
    assertThat(node.usage(tenant, Map.of("silver", BudgetPeriod.TOTAL), TODAY))
        .containsEntry("silver", new BudgetUsage(6, 0));

    redis.stop();
    int accepted = 0;
    for (int i = 0; i < 10; i++) {
      if (timed(() -> node.tryConsume(tenant, "silver", TEN, TODAY, 1, 0))) {
        accepted++;
      }
    }
    assertThat(accepted)
        .as("counted on from 6, not from the 1 that call left in memory")
        .isEqualTo(4);
  }

  /** A node closed while degraded, before its probe found Redis back, adds its outage count. */
  @Test
  void shouldAddWhatItCountedDuringAnOutageToRedisWhenClosedBeforeItsProbeRan() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    Budget hundred = new Budget(100L, null, BudgetPeriod.TOTAL);
    FailoverBudgetLedger node = degradedAfter(redis, hundred, 5);
    assertThat(timed(() -> node.tryConsume(tenant, "gold", hundred, TODAY, 3, 0))).isTrue();
    assertThat(node.status().healthy()).isFalse();
    Thread.sleep(1_600); // the pause is over; the probe would take an hour to notice

    node.close();

    FailoverBudgetLedger other = ledger(redis.uri(), Settings.DEFAULTS);
    assertThat(other.usage(tenant, GOLD, TODAY)).containsEntry("gold", new BudgetUsage(8, 0));
    assertThat(outageRows()).as("added to Redis: nothing left in PostgreSQL").isZero();
  }

  /**
   * A node that crashes during an outage leaves what it counted meanwhile in PostgreSQL; once its
   * rows have not been rewritten for a while, a node on Redis adds them to Redis's counter.
   */
  @Test
  void shouldAddWhatACrashedNodeCountedDuringAnOutageToRedisFromPostgresql() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    Budget hundred = new Budget(100L, null, BudgetPeriod.TOTAL);
    FailoverBudgetLedger crashed = degradedAfter(redis, hundred, 5);
    assertThat(timed(() -> crashed.tryConsume(tenant, "gold", hundred, TODAY, 3, 0))).isTrue();
    assertThat(crashed.flush()).as("not in Redis yet").isFalse();
    assertThat(outageRows()).isEqualTo(1);
    Thread.sleep(1_600); // the pause is over; the crashed node does nothing more

    FailoverBudgetLedger survivor =
        ledger(
            redis.uri(),
            new Settings(
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                BudgetOutagePolicy.COUNT_LOCALLY,
                Duration.ofSeconds(1)));
    assertThat(survivor.usage(tenant, GOLD, TODAY)).containsEntry("gold", new BudgetUsage(5, 0));

    // rows untouched for three of the survivor's flush intervals are taken
    awaitTrue(
        () -> survivor.usage(tenant, GOLD, TODAY).get("gold").equals(new BudgetUsage(8, 0)),
        Duration.ofSeconds(15));
    // the rows are deleted by the transaction that took them, which commits after the addition
    // to Redis (and its count): a moment later than the counter reads 8
    awaitTrue(
        () -> outageRows() == 0 && counter("arbiter.budget.outage.abandoned.added") == 1,
        Duration.ofSeconds(15));
    assertThat(survivor.usage(tenant, GOLD, TODAY)).containsEntry("gold", new BudgetUsage(8, 0));

    // Not crashed after all, only stalled: closing, it finds its row taken and does not add it
    // to Redis a second time.
    crashed.close();
    assertThat(survivor.usage(tenant, GOLD, TODAY)).containsEntry("gold", new BudgetUsage(8, 0));
    assertThat(outageRows()).isZero();
  }

  /**
   * Cost charged during an outage is not written to budget_outage_additions: its uncounted_charges
   * row is its record, which the reconciler counts if the node stops before Redis is back; a node
   * adding the outage rows too counted it twice.
   */
  @Test
  void shouldLeaveChargesOfAnOutageOutOfTheOutageRows() throws Exception {
    Budget hundred = new Budget(100L, 1000.0, BudgetPeriod.TOTAL);
    FailoverBudgetLedger node = degradedAfter(dedicatedRedis(), hundred, 1);

    assertThat(timed(() -> node.addSpent(tenant, "gold", BudgetPeriod.TOTAL, TODAY, 30))).isTrue();
    assertThat(timed(() -> node.tryConsume(tenant, "gold", hundred, TODAY, 2, 0))).isTrue();
    assertThat(node.flush()).as("neither is in Redis yet").isFalse();

    assertThat(outageAdditions()).containsExactly("2:0.000000");
    node.close(); // during the pause: what it counted is left in PostgreSQL, the charge is not
    assertThat(outageAdditions()).containsExactly("2:0.000000");
  }

  /** {@code decisions:cost} of each row of budget_outage_additions. */
  private List<String> outageAdditions() {
    return db.jdbc
        .sql("select decisions || ':' || cost from budget_outage_additions")
        .query(String.class)
        .list();
  }

  /**
   * Closed once Redis answers again but lost the counter: the counter is set from what the node
   * counted, without the outage's charges, which the reconciler counts from their rows (set with
   * them, and added to by the reconciler, they were counted twice).
   */
  @Test
  void shouldSetALostCounterWithoutTheOutagesChargesWhenClosing() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    Budget hundred = new Budget(100L, 1000.0, BudgetPeriod.TOTAL);
    FailoverBudgetLedger node = degradedAfter(redis, hundred, 1);
    assertThat(timed(() -> node.addSpent(tenant, "gold", BudgetPeriod.TOTAL, TODAY, 30))).isTrue();
    assertThat(timed(() -> node.tryConsume(tenant, "gold", hundred, TODAY, 2, 0))).isTrue();
    Thread.sleep(1_600); // the pause is over; the probe would take an hour to notice
    RedisClient client = RedisClient.create(redis.uri());
    try (StatefulRedisConnection<String, String> admin = client.connect()) {
      admin.sync().flushall(); // Redis lost its counters (restarted without persistence)
    } finally {
      client.shutdown();
    }

    node.close();

    assertThat(ledger(redis.uri(), Settings.DEFAULTS).usage(tenant, GOLD, TODAY))
        .containsEntry("gold", new BudgetUsage(3, 0));
  }

  /** Probes and takeovers an hour apart: only what a test does moves the ledger. */
  private static final Settings NO_PROBE =
      new Settings(Duration.ofHours(1), Duration.ofHours(1), BudgetOutagePolicy.COUNT_LOCALLY);

  /**
   * A node on {@code redis} (probing hourly) that counted {@code decisions} of gold under {@code
   * budget} on Redis, then found Redis paused (1.5 s, data kept): degraded, counting in memory.
   */
  private FailoverBudgetLedger degradedAfter(DedicatedRedis redis, Budget budget, long decisions)
      throws Exception {
    FailoverBudgetLedger node = ledger(redis.uri(), NO_PROBE);
    assertThat(node.tryConsume(tenant, "gold", budget, TODAY, decisions, 0)).isTrue();
    pause(redis); // Redis keeps its data and answers nothing for 1.5 s
    timed(() -> node.usage(tenant, GOLD, TODAY)); // times out: degraded
    return node;
  }

  private long outageRows() {
    return db.jdbc.sql("select count(*) from budget_outage_additions").query(Long.class).single();
  }

  @Test
  void shouldAddWhatEachNodeCountedDuringAnOutageToTheCounterRedisKept() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    FailoverBudgetLedger a = ledger(redis.uri(), Settings.DEFAULTS);
    FailoverBudgetLedger b = ledger(redis.uri(), Settings.DEFAULTS);
    Budget hundred = new Budget(100L, null, BudgetPeriod.TOTAL);
    for (int i = 0; i < 5; i++) {
      a.tryConsume(tenant, "gold", hundred, TODAY, 1, 0);
    }
    assertThat(b.usage(tenant, GOLD, TODAY)).containsEntry("gold", new BudgetUsage(5, 0));

    pause(redis); // Redis keeps its data and answers nothing for 1.5 s

    // Reads time out (harmless), then both nodes count on their own.
    timed(() -> a.usage(tenant, GOLD, TODAY));
    timed(() -> b.usage(tenant, GOLD, TODAY));
    assertThat(timed(() -> a.tryConsume(tenant, "gold", hundred, TODAY, 2, 0))).isTrue();
    assertThat(timed(() -> b.tryConsume(tenant, "gold", hundred, TODAY, 3, 0))).isTrue();
    assertThat(a.status().lastError()).containsIgnoringCase("timed out");

    awaitTrue(() -> a.status().healthy() && b.status().healthy(), Duration.ofSeconds(6));
    assertThat(a.usage(tenant, GOLD, TODAY)).containsEntry("gold", new BudgetUsage(10, 0));
  }

  @Test
  void shouldCountAConsumptionThatTimedOutButRanLateTwiceRatherThanNever() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    FailoverBudgetLedger a = ledger(redis.uri(), Settings.DEFAULTS);
    Budget hundred = new Budget(100L, null, BudgetPeriod.TOTAL);
    a.tryConsume(tenant, "gold", hundred, TODAY, 5, 0);
    pause(redis); // Redis keeps its data and answers nothing for 1.5 s

    // Timed out here, so counted in memory; Redis runs it anyway when the pause ends.
    assertThat(timed(() -> a.tryConsume(tenant, "gold", hundred, TODAY, 2, 0))).isTrue();

    awaitTrue(() -> a.status().healthy(), Duration.ofSeconds(6));
    // Over-counted by the one ambiguous call, the safe side for a budget: 5 + 2 (late) + 2.
    assertThat(a.usage(tenant, GOLD, TODAY)).containsEntry("gold", new BudgetUsage(9, 0));
  }

  @Test
  void shouldRefuseBudgetedOffersWhileRedisIsDownWhenToldToFailClosed() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    FailoverBudgetLedger node = ledger(redis.uri(), FAIL_CLOSED);
    assertThat(node.tryConsume(tenant, "gold", TEN, TODAY, 1, 0)).isTrue();

    redis.stop();

    assertThat(timed(() -> node.tryConsume(tenant, "gold", TEN, TODAY, 1, 0))).isFalse();
    assertThat(timed(() -> node.tryConsume(tenant, "gold", TEN, TODAY, 1, 0))).isFalse();
    // the last figures, marked unavailable: the engine removes the offer before ranking it
    assertThat(timed(() -> node.usage(tenant, GOLD, TODAY)))
        .containsEntry("gold", new BudgetUsage(1, 0, true));
    assertThat(node.status().onOutage()).isEqualTo(BudgetOutagePolicy.REFUSE);
    assertThat(consumed("unavailable", "local")).isEqualTo(2);

    redis.start();
    awaitTrue(() -> node.status().healthy(), Duration.ofSeconds(5));
    // Redis came back empty and the counter is seeded from PostgreSQL (flushed on the way).
    node.flush();
    assertThat(node.tryConsume(tenant, "gold", TEN, TODAY, 1, 0)).isTrue();
    assertThat(node.usage(tenant, GOLD, TODAY)).containsEntry("gold", new BudgetUsage(2, 0));
  }

  @Test
  void shouldStillCountSpentCostWhileRedisIsDownWhenToldToFailClosed() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    FailoverBudgetLedger node = ledger(redis.uri(), FAIL_CLOSED);
    Budget costCapped = new Budget(null, 100.0, BudgetPeriod.TOTAL);
    // an offer's budget of Long.MAX_VALUE decisions is still a budget: refused, as every other
    Budget huge = new Budget(Long.MAX_VALUE, null, BudgetPeriod.TOTAL);
    assertThat(node.tryConsume(tenant, "gold", costCapped, TODAY, 1, 0)).isTrue();

    pause(redis); // Redis keeps its data and answers nothing for 1.5 s
    timed(() -> node.usage(tenant, GOLD, TODAY)); // times out (harmless): the ledger is degraded

    assertThat(timed(() -> node.tryConsume(tenant, "gold", costCapped, TODAY, 1, 0))).isFalse();
    assertThat(timed(() -> node.tryConsume(tenant, "silver", huge, TODAY, 1, 0))).isFalse();
    assertThat(timed(() -> node.addSpent(tenant, "gold", BudgetPeriod.TOTAL, TODAY, 40))).isTrue();
    assertThat(timed(() -> node.addSpent(tenant, "gold", BudgetPeriod.TOTAL, TODAY, 2.5))).isTrue();
    assertThat(consumed("unavailable", "local")).isEqualTo(2);
    // charges are counted apart from decisions' check-and-adds
    assertThat(consumed("accepted", "local")).isZero();
    assertThat(charged("accepted", "local")).isEqualTo(2);
    // Written to PostgreSQL, but a restart now would lose it: Redis keeps its own counter.
    assertThat(node.flush()).isFalse();

    awaitTrue(() -> node.status().healthy(), Duration.ofSeconds(6));
    assertThat(node.flush()).isTrue();
    // What was spent during the outage is in the counter Redis kept: a node that never saw it
    // reads 1 decision and 42.5 there, and the cap counts it (57.5 of 100 left).
    FailoverBudgetLedger other = ledger(redis.uri(), Settings.DEFAULTS);
    assertThat(other.usage(tenant, GOLD, TODAY)).containsEntry("gold", new BudgetUsage(1, 42.5));
    assertThat(other.tryConsume(tenant, "gold", costCapped, TODAY, 1, 57.5)).isTrue();
    assertThat(other.tryConsume(tenant, "gold", costCapped, TODAY, 1, 0.5)).isFalse();
  }

  /** Makes Redis keep its data and answer nothing for 1.5 s (CLIENT PAUSE). */
  private void pause(DedicatedRedis redis) {
    RedisClient client = RedisClient.create(redis.uri());
    StatefulRedisConnection<String, String> admin = client.connect();
    closeAfter.add(client::shutdown);
    closeAfter.add(admin);
    admin.sync().clientPause(1_500);
  }

  @Test
  void shouldStartDegradedWhenRedisIsDownAtStartAndRecoverWhenItComes() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    redis.stop();

    long start = System.nanoTime();
    FailoverBudgetLedger node = ledger(redis.uri(), Settings.DEFAULTS);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));

    assertThat(node.status().healthy()).isFalse();
    assertThat(timed(() -> node.tryConsume(tenant, "gold", TEN, TODAY, 1, 0))).isTrue();

    redis.start();
    awaitTrue(() -> node.status().healthy(), Duration.ofSeconds(5));
    assertThat(node.usage(tenant, GOLD, TODAY)).containsEntry("gold", new BudgetUsage(1, 0));
    assertThat(consumed("accepted", "local")).isEqualTo(1);
  }

  @Test
  void shouldRefuseACounterItCannotSeedAndKeepUnwrittenCountersUntilTheDatabaseIsBack()
      throws Exception {
    FailoverBudgetLedger node =
        ledger(
            null,
            new Settings(Duration.ofHours(1), Duration.ofSeconds(1), BudgetOutagePolicy.REFUSE));
    assertThat(node.tryConsume(tenant, "gold", TEN, TODAY, 1, 0)).isTrue();
    db.jdbc.sql("alter table budget_counters rename to budget_counters_away").update();

    // gold is known in memory and keeps counting; silver would need a seed and is refused.
    assertThat(node.tryConsume(tenant, "gold", TEN, TODAY, 1, 0)).isTrue();
    assertThat(node.tryConsume(tenant, "silver", TEN, TODAY, 1, 0)).isFalse();
    assertThat(node.usage(tenant, Map.of("silver", BudgetPeriod.TOTAL), TODAY))
        .as("what cannot be seeded cannot be counted: unavailable, as tryConsume refuses it")
        .containsEntry("silver", BudgetUsage.ZERO.asUnavailable());
    assertThat(node.flush()).isFalse();
    assertThat(node.status().lastFlushError()).isNotBlank();
    assertThat(node.status().unflushedCounters()).isEqualTo(1);
    assertThat(counter("arbiter.budget.flush.failures")).isEqualTo(1);
    assertThat(counter("arbiter.budget.seed.failures")).isEqualTo(2);
    assertThat(consumed("unavailable", "local")).isEqualTo(1);

    db.jdbc.sql("alter table budget_counters_away rename to budget_counters").update();

    assertThat(node.flush()).isTrue();
    assertThat(node.status().lastFlushError()).isNull();
    assertThat(db.storedDecisions(tenant, "gold", "total")).isEqualTo(2);
    // Seeding is tried again a second after the last failure.
    awaitTrue(() -> node.tryConsume(tenant, "silver", TEN, TODAY, 1, 0), Duration.ofSeconds(3));
    assertThat(node.usage(tenant, Map.of("silver", BudgetPeriod.TOTAL), TODAY))
        .containsEntry("silver", new BudgetUsage(1, 0));
  }

  @Test
  void shouldRemoveItsMetersWhenClosed() {
    ledger(null, Settings.DEFAULTS).close();

    assertThat(meters.getMeters()).isEmpty();
  }

  private double counter(String name) {
    return meters.get(name).counter().count();
  }

  private double consumed(String outcome, String backend) {
    return outcomes("arbiter.budget.consumed", outcome, backend);
  }

  private double charged(String outcome, String backend) {
    return outcomes("arbiter.budget.charged", outcome, backend);
  }

  private double outcomes(String name, String outcome, String backend) {
    return meters.get(name).tag("outcome", outcome).tag("backend", backend).counter().count();
  }

  private static <T> T timed(Supplier<T> call) {
    long start = System.nanoTime();
    T result = call.get();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(MAX_ANSWER_TIME);
    return result;
  }

  private static void awaitTrue(BooleanSupplier condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within %s", timeout).isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}
