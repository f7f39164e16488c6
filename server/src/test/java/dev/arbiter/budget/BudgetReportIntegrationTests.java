package dev.arbiter.budget;

import static dev.arbiter.testsupport.TestServer.auth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.demo.DemoSeeder;
import dev.arbiter.engine.catalog.Budget;
import dev.arbiter.engine.catalog.BudgetPeriod;
import dev.arbiter.tenant.TenantSettingsService;
import dev.arbiter.testsupport.TestServer;
import dev.arbiter.testsupport.TestServer.Response;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /api/v1/budgets}: what Recommend and Respond used of each budget, today from the
 * ledger and on past days from PostgreSQL's copy. Real server, database and ledger.
 */
class BudgetReportIntegrationTests {
  static TestServer server;
  static String tenantId;
  static String[] viewer;
  static String[] editor;
  static String decisionKey;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    server.bean(DemoSeeder.class).seed();
    tenantId = server.tenantId(DemoSeeder.TENANT);
    viewer = auth(server.apiKey(DemoSeeder.TENANT, "viewer"), DemoSeeder.TENANT);
    editor = auth(server.apiKey(DemoSeeder.TENANT, "editor"), DemoSeeder.TENANT);
    decisionKey = server.apiKey(DemoSeeder.TENANT, "decision");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void shouldReportWhatRecommendAndRespondUsedOfTodaysBudget() {
    JsonNode before = line("personal-loan", null);
    Response decided =
        server.post(
            "/api/v1/recommend",
            Map.of(
                "customerId",
                "budget-report",
                "flowKey",
                "homepage",
                "limit",
                5,
                "attributes",
                Map.of("balance", 12000, "age", 40)),
            auth(decisionKey, DemoSeeder.TENANT));
    assertThat(decided.status()).as(decided.body()).isEqualTo(200);
    assertThat(decided.json().path("offers").findValuesAsString("offerKey"))
        .contains("personal-loan");
    Response responded =
        server.post(
            "/api/v1/respond",
            Map.of(
                "decisionId",
                decided.json().path("decisionId").asString(),
                "offerKey",
                "personal-loan",
                "customerId",
                "budget-report",
                "outcome",
                "convert"),
            "Authorization",
            "Bearer " + decisionKey,
            "X-Tenant-Id",
            DemoSeeder.TENANT,
            "Idempotency-Key",
            "budget-report-1");
    assertThat(responded.status()).as(responded.body()).isEqualTo(201);

    JsonNode after = line("personal-loan", null);

    assertThat(after.path("period").asString()).isEqualTo("day");
    assertThat(after.path("day").asString()).isEqualTo(today().toString());
    assertThat(after.path("maxDecisions").asLong()).isEqualTo(5000);
    assertThat(after.path("maxCost").isNull()).isTrue();
    assertThat(after.path("decisions").asLong()).isEqualTo(before.path("decisions").asLong() + 1);
    assertThat(after.path("cost").asDouble()).isEqualTo(before.path("cost").asDouble() + 30);
    assertThat(after.path("remainingDecisions").asLong())
        .isEqualTo(5000 - after.path("decisions").asLong());
    assertThat(after.path("remainingCost").isNull()).isTrue();
    assertThat(after.path("exhausted").asBoolean()).isFalse();
    // The list holds every budgeted offer, the same figures.
    JsonNode list = server.get("/api/v1/budgets", viewer).json().path("data");
    assertThat(list.findValuesAsString("offerKey")).contains("personal-loan");
    for (JsonNode l : list) {
      if (l.path("offerKey").asString().equals("personal-loan")) {
        assertThat(l).isEqualTo(after);
      }
    }
  }

  /** The list is cursor-paginated by offer key, as every list; a page reads its own lines. */
  @Test
  void shouldPageThroughTheBudgetedOffersByKey() {
    createOffer("zz-page-a", 10, 100);
    createOffer("zz-page-b", 10, 100);
    List<String> keys = new java.util.ArrayList<>();
    String cursor = null;
    do {
      Response page =
          server.get(
              "/api/v1/budgets?limit=1" + (cursor == null ? "" : "&cursor=" + cursor), viewer);
      assertThat(page.status()).as(page.body()).isEqualTo(200);
      assertThat(page.json().path("data").size()).isEqualTo(1);
      keys.addAll(page.json().path("data").findValuesAsString("offerKey"));
      JsonNode pagination = page.json().path("pagination");
      cursor =
          pagination.path("hasMore").asBoolean() ? pagination.path("nextCursor").asString() : null;
    } while (cursor != null);
    assertThat(keys)
        .containsSubsequence("personal-loan", "zz-page-a", "zz-page-b")
        .doesNotHaveDuplicates()
        .isSorted();
    assertThat(server.get("/api/v1/budgets?limit=0", viewer).code()).isEqualTo("VALIDATION_FAILED");
    JsonNode all = server.get("/api/v1/budgets", viewer).json();
    assertThat(all.path("data").findValuesAsString("offerKey")).isEqualTo(keys);
    assertThat(all.path("pagination").path("hasMore").asBoolean()).isFalse();
  }

  @Test
  void shouldReadPastDaysFromPostgreSqlWithoutSeedingTheLiveCounters() {
    JdbcClient jdbc = JdbcClient.create(server.bean(DataSource.class));
    for (int daysAgo : new int[] {1, 10}) {
      LocalDate past = today().minusDays(daysAgo);
      jdbc.sql(
              """
              insert into budget_counters (tenant_id, offer_key, period_key, decisions, cost,
                                           updated_at)
              values (?, 'personal-loan', ?, 4321, 129630, ?)
              """)
          .params(tenantId, past.toString(), Timestamp.from(Instant.now()))
          .update();

      JsonNode line = line("personal-loan", past.toString());

      assertThat(line.path("day").asString()).isEqualTo(past.toString());
      assertThat(line.path("decisions").asLong()).isEqualTo(4321);
      assertThat(line.path("cost").asDouble()).isEqualTo(129630.0);
      assertThat(line.path("remainingDecisions").asLong()).isEqualTo(679);
      // Read afresh each time: a counter seeded into the ledger would still say 4321.
      jdbc.sql(
              "update budget_counters set decisions = 5000"
                  + " where tenant_id = ? and offer_key = 'personal-loan' and period_key = ?")
          .params(tenantId, past.toString())
          .update();
      assertThat(line("personal-loan", past.toString()).path("exhausted").asBoolean()).isTrue();
    }
    assertThat(line("personal-loan", today().minusDays(11).toString()).path("decisions").asLong())
        .isZero();
  }

  @Test
  void shouldReportATotalBudgetUsedUpAsExhausted() {
    createOffer("capped", 2, 10);
    BudgetLedger ledger = server.bean(BudgetLedger.class);
    Budget budget = new Budget(2L, 10.0, BudgetPeriod.TOTAL);
    assertThat(ledger.tryConsume(tenantId, "capped", budget, today(), 1, 0)).isTrue();
    assertThat(ledger.tryConsume(tenantId, "capped", budget, today(), 1, 0)).isTrue();
    assertThat(ledger.addSpent(tenantId, "capped", BudgetPeriod.TOTAL, today(), 4)).isTrue();

    JsonNode line = line("capped", null);

    assertThat(line.path("period").asString()).isEqualTo("total");
    assertThat(line.path("day").isNull()).isTrue();
    assertThat(line.path("decisions").asLong()).isEqualTo(2);
    assertThat(line.path("remainingDecisions").asLong()).isZero();
    assertThat(line.path("cost").asDouble()).isEqualTo(4.0);
    assertThat(line.path("remainingCost").asDouble()).isEqualTo(6.0);
    assertThat(line.path("exhausted").asBoolean()).isTrue();
    // A day asked of a total budget changes nothing.
    assertThat(line("capped", today().minusDays(30).toString())).isEqualTo(line);
  }

  /** As the engine: no room left for the offer's cost per decision is exhausted too. */
  @Test
  void shouldReportABudgetWithNoRoomForTheOffersCostAsExhausted() {
    createOffer("costly", 100, 10);
    BudgetLedger ledger = server.bean(BudgetLedger.class);
    assertThat(ledger.addSpent(tenantId, "costly", BudgetPeriod.TOTAL, today(), 6)).isTrue();
    assertThat(line("costly", null).path("exhausted").asBoolean()).isFalse(); // 6 + 4 fits 10
    assertThat(ledger.addSpent(tenantId, "costly", BudgetPeriod.TOTAL, today(), 0.1)).isTrue();

    JsonNode line = line("costly", null);

    assertThat(line.path("remainingCost").asDouble()).isEqualTo(3.9); // exact, not 3.8999...
    assertThat(line.path("remainingDecisions").asLong()).isEqualTo(100);
    assertThat(line.path("exhausted").asBoolean()).isTrue(); // 6.1 + 4 does not
  }

  @Test
  void shouldRefuseWhatItCannotAnswer() {
    assertThat(server.get("/api/v1/budgets/gold-card", viewer).code()).isEqualTo("NOT_FOUND");
    assertThat(server.get("/api/v1/budgets/gold-card", viewer).json().path("detail").asString())
        .contains("has no budget");
    assertThat(server.get("/api/v1/budgets/no-such-offer", viewer).status()).isEqualTo(404);
    Response future = server.get("/api/v1/budgets?day=" + today().plusDays(1), viewer);
    assertThat(future.status()).isEqualTo(422);
    assertThat(future.code()).isEqualTo("VALIDATION_FAILED");
    assertThat(server.get("/api/v1/budgets/personal-loan?day=yesterday", viewer).status())
        .isEqualTo(422);
    assertThat(server.get("/api/v1/budgets").status()).isEqualTo(401);
    Response decisionRole = server.get("/api/v1/budgets", auth(decisionKey, DemoSeeder.TENANT));
    assertThat(decisionRole.status()).isEqualTo(403);
    assertThat(server.get("/api/v1/budgets?day=", viewer).status()).isEqualTo(200);
    JsonNode pagination = server.get("/api/v1/budgets", viewer).json().path("pagination");
    assertThat(pagination.path("hasMore").asBoolean()).isFalse();
    assertThat(pagination.path("nextCursor").isNull()).isTrue();
  }

  /** An active offer costing 4 per decision with a total budget. */
  private static void createOffer(String key, long maxDecisions, double maxCost) {
    Map<String, Object> offer =
        Map.of(
            "key",
            key,
            "name",
            key,
            "status",
            "active",
            "priority",
            50,
            "value",
            Map.of("revenue", 10, "cost", 4),
            "channels",
            List.of("web"),
            "budget",
            Map.of("maxDecisions", maxDecisions, "maxCost", maxCost, "period", "total"));
    Response created = server.post("/api/v1/offers", offer, editor);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
  }

  private static JsonNode line(String offerKey, String day) {
    Response r =
        server.get("/api/v1/budgets/" + offerKey + (day == null ? "" : "?day=" + day), viewer);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  private static LocalDate today() {
    String zone = server.bean(TenantSettingsService.class).cached(tenantId).timeZone();
    return LocalDate.now(ZoneId.of(zone));
  }
}
