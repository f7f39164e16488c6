package dev.arbiter.decision;

import static dev.arbiter.testsupport.TestServer.auth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.catalog.CatalogSnapshots;
import dev.arbiter.testsupport.TestRedis;
import dev.arbiter.testsupport.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A cap on decisions over HTTP: concurrent Recommends for one customer (parallel placements of one
 * page) never return a capped offer more often than the cap allows, on one node and across two
 * sharing Redis.
 */
class ContactCapConcurrencyIntegrationTests {
  static final int CAP = 3;
  static final int CUSTOMERS = 6;
  static final int REQUESTS_PER_CUSTOMER = 12;

  /**
   * Offer "capped" (first whenever the cap allows) and "plenty"; "capped" shown at most CAP a day.
   */
  static void catalog(TestServer server, String tenant) {
    String[] h = auth(server.apiKey(tenant, "editor"), tenant);
    for (var offer : List.of(Map.of("key", "capped", "priority", 90), Map.of("key", "plenty"))) {
      var body = new java.util.HashMap<String, Object>(offer);
      body.putAll(Map.of("name", offer.get("key"), "category", "c", "status", "active"));
      body.putIfAbsent("priority", 10);
      assertThat(server.post("/api/v1/offers", body, h).status()).isEqualTo(201);
    }
    var policy =
        server.post(
            "/api/v1/contact-policies",
            RecommendIntegrationTests.frequencyCap(
                "capped-daily", Map.of("type", "offer", "value", "capped"), "decision", CAP, "P1D"),
            h);
    assertThat(policy.status()).as(policy.body()).isEqualTo(201);
    BudgetIntegrationTests.publishFlow(server, h);
  }

  /** Waits until {@code server}'s snapshot of the tenant has the policy counting decisions. */
  static void awaitPolicy(TestServer server, String tenant) throws InterruptedException {
    CatalogSnapshots snapshots = server.bean(CatalogSnapshots.class);
    String tenantId = server.tenantId(tenant);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!snapshots.current(tenantId).snapshot().countsOutcome("decision")) {
      assertThat(System.nanoTime()).as("the policy reaches the snapshot").isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  /**
   * Sends every customer's requests at once from 8 clients, spread over {@code nodes}, and returns
   * how many answers held the capped offer, per customer.
   */
  static Map<String, Integer> cappedPerCustomer(List<TestServer> nodes, String tenant)
      throws Exception {
    List<String> keys = new ArrayList<>();
    for (TestServer node : nodes) {
      keys.add(node.apiKey(tenant, "decision"));
    }
    List<String> customers = new ArrayList<>();
    for (int c = 0; c < CUSTOMERS; c++) {
      customers.add("c-" + UUID.randomUUID());
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < CUSTOMERS * REQUESTS_PER_CUSTOMER; i++) {
        int node = i % nodes.size();
        // one customer's requests in a row, so the 8 clients send them at the same time
        String customer = customers.get(i / REQUESTS_PER_CUSTOMER);
        results.add(
            pool.submit(
                () -> {
                  var r =
                      nodes
                          .get(node)
                          .post(
                              "/api/v1/recommend",
                              Map.of("customerId", customer, "flowKey", "f"),
                              auth(keys.get(node), tenant));
                  assertThat(r.status()).as(r.body()).isEqualTo(200);
                  List<String> offers = r.json().path("offers").findValuesAsString("offerKey");
                  assertThat(offers).as("the uncapped offer is always there").contains("plenty");
                  return offers.contains("capped") ? customer : null;
                }));
      }
      Map<String, Integer> capped = new java.util.TreeMap<>();
      customers.forEach(c -> capped.put(c, 0));
      for (Future<String> f : results) {
        String customer = f.get();
        if (customer != null) {
          capped.merge(customer, 1, Integer::sum);
        }
      }
      return capped;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void shouldNeverShowACappedOfferBeyondItsCapUnderConcurrentRequestsOnOneNode() throws Exception {
    try (TestServer server = TestServer.start()) {
      String tenant = "t" + UUID.randomUUID().toString().substring(0, 8);
      catalog(server, tenant);
      awaitPolicy(server, tenant);

      assertThat(cappedPerCustomer(List.of(server), tenant).values())
          .hasSize(CUSTOMERS)
          .containsOnly(CAP);
      assertThat(server.get("/metrics").body())
          .contains("arbiter_decision_contact_conflicts_total{result=\"exhausted\"} 0.0");
    }
  }

  @Test
  void shouldNeverShowACappedOfferBeyondItsCapAcrossTwoNodesSharingRedis() throws Exception {
    Map<String, String> env = TestServer.sharedEnvWithRedis();
    try (TestServer a = TestServer.startWithEnv(env);
        TestServer b = TestServer.startWithEnv(env)) {
      // ARBITER_REDIS_TIMEOUT reaches every store on Redis
      assertThat(
              List.of(
                  a.bean(dev.arbiter.contact.FailoverContactHistoryStore.class)
                      .redis()
                      .commandTimeout(),
                  a.bean(dev.arbiter.budget.FailoverBudgetLedger.class).redis().commandTimeout(),
                  a.bean(dev.arbiter.ratelimit.FailoverRateLimiter.class).redis().commandTimeout()))
          .containsOnly(TestServer.SHARED_REDIS_TIMEOUT);
      String tenant = "t" + UUID.randomUUID().toString().substring(0, 8);
      catalog(a, tenant);
      awaitPolicy(a, tenant);
      awaitPolicy(b, tenant);

      assertThat(cappedPerCustomer(List.of(a, b), tenant).values())
          .hasSize(CUSTOMERS)
          .containsOnly(CAP);
      for (TestServer node : List.of(a, b)) {
        assertThat(node.get("/metrics").body())
            .contains("arbiter_decision_contact_conflicts_total{result=\"exhausted\"} 0.0");
        assertThat(
                node.get("/api/health")
                    .json()
                    .path("checks")
                    .path("contactHistory")
                    .path("status")
                    .asString())
            .isEqualTo("up");
      }
    }
  }

  @Test
  void shouldRecordADecisionWithoutTheCheckAfterSixteenConflictsAndCountIt() throws Exception {
    Map<String, String> env = TestServer.sharedEnvWithRedis();
    io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(TestRedis.uri());
    try (TestServer server = TestServer.startWithEnv(env);
        var connection = client.connect()) {
      String tenant = "t" + UUID.randomUUID().toString().substring(0, 8);
      catalog(server, tenant);
      awaitPolicy(server, tenant);
      String customer = "c-" + UUID.randomUUID();
      String[] h = auth(server.apiKey(tenant, "decision"), tenant);
      Map<String, String> body = Map.of("customerId", customer, "flowKey", "f");
      assertThat(RecommendIntegrationTests.offerKeys(server.post("/api/v1/recommend", body, h)))
          .contains("capped");
      String key =
          dev.arbiter.contact.RedisContactHistoryStore.key(server.tenantId(tenant), customer);
      var redis = connection.sync();
      // A damaged version field: more digits than a long holds, so the node reads the list at
      // version 0 and the script, comparing numbers, finds it elsewhere. Every conditional append
      // is refused, as if another decision had been recorded before each.
      redis.hset(key, "#", "0\u001fversion\u001f" + "9".repeat(20) + "\u001f\u001f");

      // the decision is still answered, and its offers recorded without the check
      assertThat(RecommendIntegrationTests.offerKeys(server.post("/api/v1/recommend", body, h)))
          .contains("capped");
      String metrics = server.get("/metrics").body();
      assertThat(metrics)
          .contains("arbiter_decision_contact_conflicts_total{result=\"exhausted\"} 1.0")
          .contains(
              "arbiter_decision_contact_conflicts_total{result=\"retried\"} "
                  + (RecommendService.MAX_DECISION_ATTEMPTS - 1)
                  + ".0");
      // which moved the version on to one the node reads: the next decision passes its check, and
      // the cap still counts both decisions recorded
      assertThat(redis.hget(key, "#")).doesNotContain("9".repeat(20));
      assertThat(RecommendIntegrationTests.offerKeys(server.post("/api/v1/recommend", body, h)))
          .contains("capped");
      assertThat(RecommendIntegrationTests.offerKeys(server.post("/api/v1/recommend", body, h)))
          .as("capped at %d", CAP)
          .containsExactly("plenty");
      assertThat(server.get("/metrics").body())
          .contains("arbiter_decision_contact_conflicts_total{result=\"exhausted\"} 1.0");
    } finally {
      client.shutdown();
    }
  }
}
