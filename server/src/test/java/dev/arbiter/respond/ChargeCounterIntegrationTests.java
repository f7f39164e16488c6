package dev.arbiter.respond;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.budget.BudgetLedger;
import dev.arbiter.catalog.CatalogSnapshots;
import dev.arbiter.demo.DemoSeeder;
import dev.arbiter.engine.catalog.BudgetPeriod;
import dev.arbiter.engine.pipeline.BudgetUsage;
import dev.arbiter.respond.RespondRepository.ChargeKey;
import dev.arbiter.shared.ReconcileTimings;
import dev.arbiter.tenant.TenantSettingsService;
import dev.arbiter.testsupport.TestServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Respond's cost charges are counted in their budgets even when the node stops between the commit
 * and the count, or the ledger cannot count at that moment: real server, PostgreSQL and ledger.
 *
 * <p>The demo's {@code personal-loan} has a cost of 30 and a per-day budget; each test charges a
 * day of its own, so its counter starts at zero.
 */
class ChargeCounterIntegrationTests {
  private static final String OFFER = "personal-loan";

  /** A second offer with a daily budget and a cost of 30, created by {@link #start()}. */
  private static final String OTHER_OFFER = "other-loan";

  static TestServer server;
  static JdbcClient jdbc;
  static String tenantId;
  static ChargeCounter charges;
  static BudgetLedger budgets;

  @BeforeAll
  static void start() {
    // The background reconciler would race the tests' own runs.
    server = TestServer.start(Map.of("ARBITER_BUDGET_CHARGE_RECONCILE_INTERVAL", "1d"));
    server.bean(DemoSeeder.class).seed();
    jdbc = JdbcClient.create(server.bean(DataSource.class));
    tenantId = server.tenantId(DemoSeeder.TENANT);
    charges = server.bean(ChargeCounter.class);
    budgets = server.bean(BudgetLedger.class);
    TestServer.Response created =
        server.post(
            "/api/v1/offers",
            Map.of(
                "key",
                OTHER_OFFER,
                "name",
                "Other loan",
                "status",
                "active",
                "priority",
                50,
                "value",
                Map.of("revenue", 100, "cost", 30),
                "channels",
                List.of("web"),
                "budget",
                Map.of("maxDecisions", 5000, "period", "day")),
            TestServer.auth(server.apiKey(DemoSeeder.TENANT, "editor"), DemoSeeder.TENANT));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** What a failed test left would break the next one's counts. */
  @AfterEach
  void clean() {
    charges.flushMarks();
    jdbc.sql("delete from uncounted_charges").update();
  }

  /** Another node's counter: its own metrics, no background work; the given batch and lease. */
  private static ChargeCounter node(int batch, Duration lease) {
    return node(batch, lease, new SimpleMeterRegistry());
  }

  private static ChargeCounter node(int batch, Duration lease, SimpleMeterRegistry meters) {
    return node(batch, lease, 100, meters);
  }

  private static ChargeCounter node(
      int batch, Duration lease, int maxPendingMarks, SimpleMeterRegistry meters) {
    return new ChargeCounter(
        server.bean(RespondRepository.class),
        budgets,
        server.bean(CatalogSnapshots.class),
        server.bean(TenantSettingsService.class),
        meters,
        new ReconcileTimings(
            Duration.ofMillis(100),
            Duration.ofSeconds(30),
            Duration.ofMinutes(1),
            lease,
            batch,
            maxPendingMarks));
  }

  @Test
  void shouldCountARespondChargeAtOnceAndForgetThatItWasUncounted() {
    jdbc.sql("create table test_uncounted_log (decision_id text, offer_key text, cost numeric)")
        .update();
    jdbc.sql(
            """
            create function test_uncounted_log() returns trigger language plpgsql as $$
            begin
              insert into test_uncounted_log values (new.decision_id, new.offer_key, new.cost);
              return new;
            end $$
            """)
        .update();
    jdbc.sql(
            """
            create trigger test_uncounted_log after insert on uncounted_charges
              for each row execute function test_uncounted_log()
            """)
        .update();
    try {
      String key = server.apiKey(DemoSeeder.TENANT, "decision");
      JsonNode decision = RespondIntegrationTests.recommend(server, key, "charge-now");
      assertThat(decision.path("offers").findValuesAsString("offerKey")).contains(OFFER);
      String decisionId = decision.path("decisionId").asString();
      LocalDate today = day(Instant.now());
      double before = usage(today).cost();

      TestServer.Response r =
          server.post(
              "/api/v1/respond",
              Map.of(
                  "decisionId",
                  decisionId,
                  "offerKey",
                  OFFER,
                  "customerId",
                  "charge-now",
                  "outcome",
                  "convert"),
              RespondIntegrationTests.headers(key, "Idempotency-Key", "charge-now"));
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      charges.flushMarks();

      // Recorded as uncounted in Respond's statement, counted at once, then forgotten.
      assertThat(
              jdbc.sql("select offer_key, cost from test_uncounted_log where decision_id = ?")
                  .param(decisionId)
                  .query((rs, n) -> rs.getString(1) + "=" + rs.getBigDecimal(2).intValue())
                  .list())
          .containsExactly(OFFER + "=30");
      assertThat(uncounted(decisionId)).isZero();
      assertThat(usage(today).cost()).isEqualTo(before + 30);
      assertThat(
              jdbc.sql("select count(*) from decision_charges where decision_id = ?")
                  .param(decisionId)
                  .query(Long.class)
                  .single())
          .isEqualTo(1);
    } finally {
      jdbc.sql("drop trigger test_uncounted_log on uncounted_charges").update();
      jdbc.sql("drop function test_uncounted_log()").update();
      jdbc.sql("drop table test_uncounted_log").update();
    }
  }

  /**
   * Charges a crash left uncounted (committed, never added to the ledger), reconciled by two nodes
   * at once: each is counted exactly once.
   */
  @Test
  void shouldCountChargesACrashLeftUncountedExactlyOnceWhenTwoNodesReconcileThem()
      throws Exception {
    Instant at = Instant.now().minus(3, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MICROS);
    LocalDate day = day(at);
    int n = 240;
    for (int i = 0; i < n; i++) {
      insertCharge("crash-" + i, OFFER, "30", at.plusNanos(i * 1000L));
    }
    assertThat(usage(day)).isEqualTo(BudgetUsage.ZERO);

    // Two nodes, small batches, so that their claims interleave.
    ChargeCounter one = node(7, Duration.ofMinutes(2));
    ChargeCounter two = node(7, Duration.ofMinutes(2));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<ChargeCounter.Reconciled>> runs =
          pool.invokeAll(
              List.<Callable<ChargeCounter.Reconciled>>of(one::reconcile, two::reconcile));
      int counted = 0;
      for (Future<ChargeCounter.Reconciled> run : runs) {
        counted += run.get().counted();
      }
      assertThat(counted).isEqualTo(n);
    } finally {
      pool.shutdownNow();
      one.close();
      two.close();
    }
    assertThat(usage(day)).isEqualTo(new BudgetUsage(0, 30.0 * n));
    assertThat(uncountedCount()).isZero();
    assertThat(charges.reconcile().counted()).isZero();
    assertThat(usage(day)).isEqualTo(new BudgetUsage(0, 30.0 * n));
  }

  /** A young uncounted charge is its node's to count; the reconciler leaves it alone. */
  @Test
  void shouldLeaveAChargeYoungerThanTheGracePeriodToTheNodeCountingIt() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    insertCharge("young", OFFER, "30", now);
    double before = usage(day(now)).cost();

    ChargeCounter.Reconciled run = charges.reconcile();

    assertThat(uncounted("young")).isEqualTo(1);
    assertThat(usage(day(now)).cost()).isEqualTo(before);
    assertThat(run.left()).isZero();
  }

  @Test
  void shouldForgetUncountedChargesOfOffersThatHaveNoBudgetToCountThemIn() {
    Instant at = Instant.now().minus(2, ChronoUnit.HOURS);
    long version = catalogVersion();
    insertCharge("unbudgeted", "gold-card", "12", at, version - 1);
    insertCharge("gone", "no-such-offer", "5", at, version - 1);
    // Charged with the catalog this node has: a node that lacks the offer has not caught up.
    insertCharge("not-yet", "no-such-offer", "5", at, version);

    ChargeCounter.Reconciled run = charges.reconcile();

    assertThat(run.noBudget()).isEqualTo(2);
    assertThat(run.left()).isEqualTo(1);
    assertThat(uncounted("unbudgeted") + uncounted("gone")).isZero();
    assertThat(uncounted("not-yet")).isEqualTo(1);
    assertThat(metric("arbiter_budget_charge_reconciled_total{result=\"no_budget\"}"))
        .isGreaterThanOrEqualTo(2);
  }

  /**
   * The ledger cannot count a charge whose counter it must first read from PostgreSQL while that
   * read fails, nor save what it counts: a charge stays uncounted (and reported) until the ledger
   * has counted and saved it, one the reconciler cannot count does not hold up the others, and one
   * counted but not yet saved is not counted again meanwhile, by this node or another.
   */
  @Test
  void shouldGoOnPastAChargeItCannotCountAndCountItOnceItCan() {
    // Days the ledger keeps in memory (it forgets those more than three days back every second).
    Instant atA = Instant.now().minus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MICROS);
    Instant atB = Instant.now().minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MICROS);
    insertCharge("unseedable", OFFER, "30", atA);
    insertCharge("seeded", OFFER, "30", atB);
    assertThat(usage(day(atB))).isEqualTo(BudgetUsage.ZERO); // B's counter is now in memory
    double failuresBefore = metric("arbiter_budget_charge_failures_total");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ChargeCounter node = node(1, Duration.ofMinutes(2), meters);
    ChargeCounter otherNode = node(500, Duration.ofMinutes(2));
    try {
      jdbc.sql("alter table budget_counters rename to budget_counters_away").update();
      try {
        // Respond's path: refused at once, reported.
        charges.count(
            new ChargeKey(tenantId, "unseedable", OFFER), BudgetPeriod.DAY, atA, cost("30"));
        assertThat(metric("arbiter_budget_charge_failures_total")).isEqualTo(failuresBefore + 1);

        // The reconciler, a charge a claim: A (the oldest) refused, B counted after it.
        ChargeCounter.Reconciled run = node.reconcile();
        assertThat(run.counted()).isEqualTo(1);
        assertThat(run.left()).isEqualTo(1);
        assertThat(usage(day(atB))).isEqualTo(new BudgetUsage(0, 30));
        // ... but the ledger cannot save B's count, so B's record stays, claimed by this node.
        assertThat(node.flushMarks()).isFalse();
        assertThat(uncounted("unseedable") + uncounted("seeded")).isEqualTo(2);
        assertThat(meters.get("arbiter.budget.charge.uncounted").gauge().value()).isEqualTo(2);
        assertThat(meters.get("arbiter.budget.charge.marks.pending").gauge().value()).isEqualTo(1);

        // C, counted at once after its commit (never claimed), cannot be saved either: its record
        // is claimed now too.
        insertCharge("at-once", OFFER, "30", atB);
        node.count(new ChargeKey(tenantId, "at-once", OFFER), BudgetPeriod.DAY, atB, cost("30"));
        assertThat(usage(day(atB))).isEqualTo(new BudgetUsage(0, 60));
        assertThat(node.flushMarks()).isFalse();

        // Another node leaves B and C alone; A's claim is the first node's until it ends.
        assertThat(otherNode.reconcile().counted()).isZero();
        // This node does not count B again either, claimed or not.
        unclaim("seeded");
        assertThat(node.reconcile().counted()).isZero();
        assertThat(usage(day(atB))).isEqualTo(new BudgetUsage(0, 60));
      } finally {
        jdbc.sql("alter table budget_counters_away rename to budget_counters").update();
      }
      assertThat(node.flushMarks()).isTrue();
      assertThat(uncounted("seeded") + uncounted("at-once")).isZero();

      // A's claim ends (again after each refusal); the ledger tries a failed seed again after a
      // second.
      await(
          () -> {
            unclaim("unseedable");
            return otherNode.reconcile().counted() == 1;
          });
      assertThat(uncounted("unseedable")).isZero();
      assertThat(usage(day(atA))).isEqualTo(new BudgetUsage(0, 30));
      assertThat(usage(day(atB))).isEqualTo(new BudgetUsage(0, 60));
      node.reconcile();
      assertThat(meters.get("arbiter.budget.charge.uncounted").gauge().value()).isZero();
    } finally {
      node.close();
      otherNode.close();
    }
  }

  /**
   * While as many counted charges as the queue holds wait for the ledger to save them (a long
   * outage), no further charge is counted: each counted one has a place in the queue, so none is
   * ever counted again for want of one.
   */
  @Test
  void shouldCountNoMoreChargesWhileTheQueueOfUnsavedOnesIsFull() {
    // Its own offer: the other tests count personal-loan on the days the ledger keeps in memory.
    Instant at = Instant.now().minus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MICROS);
    insertCharge("full-1", OTHER_OFFER, "30", at);
    insertCharge("full-2", OTHER_OFFER, "30", at.plusMillis(1));
    assertThat(usage(OTHER_OFFER, day(at))).isEqualTo(BudgetUsage.ZERO); // now in memory
    ChargeCounter node = node(500, Duration.ofMinutes(2), 1, new SimpleMeterRegistry());
    try {
      jdbc.sql("alter table budget_counters rename to budget_counters_away").update();
      try {
        ChargeCounter.Reconciled run = node.reconcile();
        assertThat(run.counted()).isEqualTo(1);
        assertThat(run.left()).isEqualTo(1);
        // Respond's path finds the queue full too: it leaves the charge to the reconciler.
        node.count(
            new ChargeKey(tenantId, "full-2", OTHER_OFFER), BudgetPeriod.DAY, at, cost("30"));
        unclaim("full-1");
        unclaim("full-2");
        assertThat(node.reconcile().counted()).isZero();
        assertThat(usage(OTHER_OFFER, day(at))).isEqualTo(new BudgetUsage(0, 30));
      } finally {
        jdbc.sql("alter table budget_counters_away rename to budget_counters").update();
      }
      assertThat(node.flushMarks()).isTrue();
      unclaim("full-2");
      assertThat(node.reconcile().counted()).isEqualTo(1);
      assertThat(uncountedCount()).isZero();
      assertThat(usage(OTHER_OFFER, day(at))).isEqualTo(new BudgetUsage(0, 60));
    } finally {
      node.close();
    }
  }

  /** The server's reconciler reports what it leaves on /metrics. */
  @Test
  void shouldReportChargesLeftUncountedOnMetrics() {
    Instant at = Instant.now().minus(2, ChronoUnit.MINUTES);
    insertCharge("reported", OFFER, "30", at);
    jdbc.sql("update uncounted_charges set claimed_until = now() + interval '1 hour'").update();

    ChargeCounter.Reconciled run = charges.reconcile();

    assertThat(run.counted()).isZero();
    assertThat(metric("arbiter_budget_charge_uncounted")).isEqualTo(1);
    jdbc.sql("update uncounted_charges set claimed_until = null").update();
    assertThat(charges.reconcile().counted()).isEqualTo(1);
    assertThat(metric("arbiter_budget_charge_uncounted")).isZero();
    assertThat(metric("arbiter_budget_charge_reconciled_total{result=\"counted\"}"))
        .isGreaterThanOrEqualTo(1);
  }

  /** A charge is deleted once its decision is past answering, but never while uncounted. */
  @Test
  void shouldNotDeleteAnUncountedCharge() {
    Instant old = Instant.now().minus(40, ChronoUnit.DAYS);
    insertCharge("old-uncounted", OFFER, "30", old);
    insertCharge("old-counted", OFFER, "30", old);
    jdbc.sql("delete from uncounted_charges where decision_id = 'old-counted'").update();

    server.bean(RespondRepository.class).deleteChargesBefore(Instant.now(), 1000);

    assertThat(
            jdbc.sql(
                    "select decision_id from decision_charges where decision_id like 'old-%'"
                        + " order by 1")
                .query(String.class)
                .list())
        .containsExactly("old-uncounted");
  }

  /**
   * What Respond's statement commits for a charge: the charge and its uncounted record, made at
   * {@code at} (the record's database time too).
   */
  private static void insertCharge(String decisionId, String offerKey, String cost, Instant at) {
    insertCharge(decisionId, offerKey, cost, at, catalogVersion());
  }

  private static void insertCharge(
      String decisionId, String offerKey, String cost, Instant at, long catalogVersion) {
    jdbc.sql(
            """
            insert into decision_charges (tenant_id, decision_id, offer_key, interaction_id, cost,
                                          charged_at)
            values (:tenant, :decision, :offer, :interaction, cast(:cost as numeric), :at)
            """)
        .param("tenant", tenantId)
        .param("decision", decisionId)
        .param("offer", offerKey)
        .param("interaction", "i-" + decisionId)
        .param("cost", cost)
        .param("at", Timestamp.from(at))
        .update();
    jdbc.sql(
            """
            insert into uncounted_charges (tenant_id, decision_id, offer_key, cost, charged_at,
                                           catalog_version, created_at)
            values (:tenant, :decision, :offer, cast(:cost as numeric), :at, :version, :at)
            """)
        .param("tenant", tenantId)
        .param("decision", decisionId)
        .param("offer", offerKey)
        .param("cost", cost)
        .param("at", Timestamp.from(at))
        .param("version", catalogVersion)
        .update();
  }

  private static long catalogVersion() {
    return server.bean(CatalogSnapshots.class).current(tenantId).catalogVersion();
  }

  /** Ends a charge's claim now, as its lease running out would. */
  private static void unclaim(String decisionId) {
    jdbc.sql("update uncounted_charges set claimed_until = null where decision_id = ?")
        .param(decisionId)
        .update();
  }

  private static void await(java.util.function.BooleanSupplier done) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("waited 10 s").isNegative();
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private static BigDecimal cost(String cost) {
    return new BigDecimal(cost);
  }

  private static LocalDate day(Instant at) {
    String zone = server.bean(TenantSettingsService.class).cached(tenantId).timeZone();
    return LocalDate.ofInstant(at, ZoneId.of(zone));
  }

  private static BudgetUsage usage(LocalDate day) {
    return usage(OFFER, day);
  }

  private static BudgetUsage usage(String offer, LocalDate day) {
    return budgets.usage(tenantId, Map.of(offer, BudgetPeriod.DAY), day).get(offer);
  }

  private static long uncounted(String decisionId) {
    return jdbc.sql("select count(*) from uncounted_charges where decision_id = ?")
        .param(decisionId)
        .query(Long.class)
        .single();
  }

  private static long uncountedCount() {
    return jdbc.sql("select count(*) from uncounted_charges").query(Long.class).single();
  }

  private static double metric(String series) {
    for (String line : server.get("/metrics").body().split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError("/metrics has no " + series);
  }
}
