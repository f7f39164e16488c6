package dev.arbiter.decision;

import static dev.arbiter.testsupport.TestServer.auth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.testsupport.TestDatabase;
import dev.arbiter.testsupport.TestRedis;
import dev.arbiter.testsupport.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Offer budgets over HTTP: never exceeded under concurrent clients, on one node and across two. */
public class BudgetIntegrationTests {

  static void catalog(TestServer server, String key, String tenant, int maxDecisions) {
    String[] h = auth(key, tenant);
    assertThat(
            server
                .post(
                    "/api/v1/offers",
                    Map.of(
                        "key",
                        "limited",
                        "name",
                        "Limited",
                        "category",
                        "c",
                        "status",
                        "active",
                        "priority",
                        90,
                        "budget",
                        Map.of("maxDecisions", maxDecisions, "period", "total")),
                    h)
                .status())
        .isEqualTo(201);
    server.post(
        "/api/v1/offers",
        Map.of(
            "key", "plenty", "name", "Plenty", "category", "c", "status", "active", "priority", 10),
        h);
    publishFlow(server, h);
  }

  /** Publishes flow "f": web, placement "p", category "c", two offers at most. */
  public static void publishFlow(TestServer server, String[] h) {
    server.post(
        "/api/v1/flows",
        Map.of(
            "key",
            "f",
            "name",
            "F",
            "channel",
            "web",
            "placement",
            "p",
            "inventory",
            Map.of("categories", List.of("c")),
            "maxOffers",
            2),
        h);
    assertThat(server.post("/api/v1/flows/f/publish", null, h).status()).isEqualTo(200);
  }

  static int countLimited(List<TestServer> nodes, List<String> keys, String tenant, int requests)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < requests; i++) {
        TestServer node = nodes.get(i % nodes.size());
        String key = keys.get(i % keys.size());
        results.add(
            pool.submit(
                () -> {
                  var r =
                      node.post(
                          "/api/v1/recommend",
                          Map.of("customerId", UUID.randomUUID().toString(), "flowKey", "f"),
                          auth(key, tenant));
                  assertThat(r.status()).as(r.body()).isEqualTo(200);
                  return r.json().path("offers").findValuesAsString("offerKey").contains("limited");
                }));
      }
      int limited = 0;
      for (Future<Boolean> f : results) {
        if (f.get()) {
          limited++;
        }
      }
      return limited;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void shouldNeverExceedABudgetUnderEightConcurrentClients() throws Exception {
    try (TestServer server = TestServer.start()) {
      String editor = server.apiKey("acme", "editor");
      catalog(server, editor, "acme", 25);
      String decision = server.apiKey("acme", "decision");
      assertThat(countLimited(List.of(server), List.of(decision), "acme", 120)).isEqualTo(25);
      var health = server.get("/api/health").json().path("checks").path("budgets");
      assertThat(health.path("details").path("mode").asString()).isEqualTo("in_process");
    }
  }

  @Test
  void shouldRefuseBudgetedOffersWhileRedisIsDownWhenConfiguredToFailClosed() throws Exception {
    try (var redis = TestRedis.startDedicated();
        TestServer server =
            TestServer.startWithEnv(
                Map.of(
                    "DATABASE_URL",
                    TestDatabase.newDatabase(),
                    "REDIS_URL",
                    redis.url(),
                    "ARBITER_BUDGET_REDIS_OUTAGE",
                    "refuse"))) {
      String tenant = "t" + UUID.randomUUID().toString().substring(0, 8);
      catalog(server, server.apiKey(tenant, "editor"), tenant, 100);
      String decision = server.apiKey(tenant, "decision");
      String editor = server.apiKey(tenant, "editor");
      var budgets = server.get("/api/health").json().path("checks").path("budgets");
      assertThat(budgets.path("details").path("onOutage").asString()).isEqualTo("REFUSE");
      assertThat(countLimited(List.of(server), List.of(decision), tenant, 3)).isEqualTo(3);

      redis.stop();

      // the budgeted offer is refused, the unbudgeted one still served
      assertThat(countLimited(List.of(server), List.of(decision), tenant, 6)).isZero();
      budgets = server.get("/api/health").json().path("checks").path("budgets");
      assertThat(budgets.path("status").asString()).isEqualTo("degraded");
      // refused by the engine's budget stage, with its reason, not ranked into the answer and
      // dropped after: a request for one offer still gets the unbudgeted one
      String[] h = auth(editor, tenant);
      var one =
          server.post(
              "/api/v1/recommend",
              Map.of("customerId", "c-one", "flowKey", "f", "limit", 1),
              h[0],
              h[1],
              h[2],
              h[3],
              "X-Debug",
              "true");
      assertThat(one.status()).as(one.body()).isEqualTo(200);
      assertThat(one.json().path("offers").findValuesAsString("offerKey"))
          .containsExactly("plenty");
      assertThat(one.json().path("trace").toString()).contains("cannot be consulted now");

      redis.start();
      long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
      String status;
      while (!"up".equals(status = budgetsStatus(server)) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(status).as("the budgets check 10 s after Redis came back").isEqualTo("up");
      assertThat(countLimited(List.of(server), List.of(decision), tenant, 3)).isEqualTo(3);
    }
  }

  private static String budgetsStatus(TestServer server) {
    return server
        .get("/api/health")
        .json()
        .path("checks")
        .path("budgets")
        .path("status")
        .asString();
  }

  @Test
  void shouldNeverExceedABudgetAcrossTwoNodesSharingRedis() throws Exception {
    Map<String, String> env = TestServer.sharedEnvWithRedis();
    try (TestServer a = TestServer.startWithEnv(env);
        TestServer b = TestServer.startWithEnv(env)) {
      String tenant = "t" + UUID.randomUUID().toString().substring(0, 8);
      String editor = a.apiKey(tenant, "editor");
      catalog(a, editor, tenant, 30);
      String decisionA = a.apiKey(tenant, "decision");
      String decisionB = b.apiKey(tenant, "decision");
      Thread.sleep(300); // b hears of the catalog change
      assertThat(countLimited(List.of(a, b), List.of(decisionA, decisionB), tenant, 150))
          .isEqualTo(30);
      assertThat(
              b.get("/api/health").json().path("checks").path("budgets").path("status").asString())
          .isEqualTo("up");
    }
  }
}
