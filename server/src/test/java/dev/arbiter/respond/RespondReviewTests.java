package dev.arbiter.respond;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.demo.DemoSeeder;
import dev.arbiter.testsupport.TestServer;
import dev.arbiter.testsupport.TestServer.Response;
import java.lang.reflect.Method;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/** Defects found in review of Respond, each pinned by a test. */
class RespondReviewTests {

  /**
   * {@code decision_charges} gets a row at the first positive outcome of every budgeted offer of
   * every decision and nothing ever deleted it (its {@code charged_at} index was unused): the table
   * grew without bound. A charge is only needed while its decision can still be responded to.
   */
  @Test
  void shouldDeleteCostChargesOfDecisionsThatCanNoLongerBeRespondedTo() throws Exception {
    try (TestServer server = TestServer.start()) {
      server.bean(DemoSeeder.class).seed();
      String key = server.apiKey(DemoSeeder.TENANT, "decision");
      JdbcClient jdbc = JdbcClient.create(server.bean(DataSource.class));
      String[] ids = new String[2];
      for (int i = 0; i < 2; i++) {
        String customer = "review-charge-" + i;
        JsonNode decision = RespondIntegrationTests.recommend(server, key, customer);
        assertThat(decision.path("offers").findValuesAsString("offerKey"))
            .contains("personal-loan");
        ids[i] = decision.path("decisionId").asString();
        // each decision's event written before the next is made: a row each, so that deleting
        // the first's row leaves the second's (rows of several: OutboxEventBatchIntegrationTests)
        server
            .bean(dev.arbiter.decision.DecisionLog.class)
            .awaitIdle(java.time.Duration.ofSeconds(10));
        Response r =
            server.post(
                "/api/v1/respond",
                Map.of(
                    "decisionId",
                    ids[i],
                    "offerKey",
                    "personal-loan",
                    "customerId",
                    customer,
                    "outcome",
                    "convert"),
                "Authorization",
                "Bearer " + key,
                "X-Tenant-Id",
                DemoSeeder.TENANT,
                "Idempotency-Key",
                "review-charge-" + i);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
      }
      // Both charges are a month old; the first decision's event is past the outbox retention
      // (deleted), the second's is still there (e.g. dead-lettered), so it can still be answered.
      server
          .bean(dev.arbiter.decision.DecisionLog.class)
          .awaitIdle(java.time.Duration.ofSeconds(10));
      // Both charges counted in the budget (an uncounted charge is kept: ChargeCounter's tests).
      server.bean(ChargeCounter.class).flushMarks();
      jdbc.sql("update decision_charges set charged_at = now() - interval '30 days'").update();
      assertThat(jdbc.sql("delete from outbox_events where id = ?").param(ids[0]).update())
          .isEqualTo(1);

      Class<?> purger = Class.forName("dev.arbiter.ServerWiring$IdempotencyKeyPurger");
      Method purge = purger.getDeclaredMethod("purge");
      purge.setAccessible(true);
      purge.invoke(server.bean(purger));

      assertThat(
              jdbc.sql("select decision_id from decision_charges order by decision_id")
                  .query(String.class)
                  .list())
          .containsExactly(ids[1]);
    }
  }

  /**
   * A Respond that comes before this node's decision log stored its decision's event must not store
   * its own event first: the publisher sends one customer's committed events in id order, so the
   * interaction would reach Kafka before the decision it answers. A trigger makes the decision's
   * insert take a second; Respond answers only once the decision's row is stored.
   */
  @Test
  void shouldStoreTheInteractionEventAfterTheDecisionEventItAnswers() {
    try (TestServer server = TestServer.start()) {
      server.bean(DemoSeeder.class).seed();
      String key = server.apiKey(DemoSeeder.TENANT, "decision");
      JdbcClient jdbc = JdbcClient.create(server.bean(DataSource.class));
      // the Respond path warmed up first, so the Respond below comes well within the second
      respond(server, key, "review-order-warm-up", "review-order-0");
      jdbc.sql(
              """
              create function slow_decision_event() returns trigger language plpgsql as $$
              begin
                perform pg_sleep(1);
                return new;
              end $$;
              create trigger slow_decision_event before insert on outbox_events
                for each row when (new.partition_key like '%:review-order')
                execute function slow_decision_event();
              """)
          .update();

      io.micrometer.core.instrument.Counter waited =
          server
              .bean(io.micrometer.core.instrument.MeterRegistry.class)
              .get("arbiter.respond.decision.event.waits")
              .tag("result", "stored")
              .counter();
      double waitedBefore = waited.count();

      respond(server, key, "review-order", "review-order-1");

      assertThat(
              jdbc.sql(
                      "select type from outbox_events where partition_key like ?"
                          + " order by inserted_at")
                  .param("%:review-order")
                  .query(String.class)
                  .list())
          .as("both stored, the decision's first, when Respond answers")
          .containsExactly("decision.made.v1", "interaction.recorded.v1");
      assertThat(waited.count() - waitedBefore).isEqualTo(1);
    }
  }

  /**
   * A Recommend for {@code customer}, then a Respond to its first offer at once.
   *
   * @return the Respond's body
   */
  private static Map<String, Object> respond(
      TestServer server, String key, String customer, String idemKey) {
    JsonNode decision = RespondIntegrationTests.recommend(server, key, customer);
    Map<String, Object> body =
        Map.of(
            "decisionId",
            decision.path("decisionId").asString(),
            "offerKey",
            decision.path("offers").get(0).path("offerKey").asString(),
            "customerId",
            customer,
            "outcome",
            "impression");
    Response r = send(server, key, body, idemKey);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return body;
  }

  private static Response send(
      TestServer server, String key, Map<String, Object> body, String idemKey) {
    return server.post(
        "/api/v1/respond",
        body,
        "Authorization",
        "Bearer " + key,
        "X-Tenant-Id",
        DemoSeeder.TENANT,
        "Idempotency-Key",
        idemKey);
  }

  /**
   * A Respond that committed but died before adding the interaction to the customer's loaded Redis
   * list (or whose acknowledgement was lost) is retried by its client: the retry records nothing,
   * and adds the interaction to the list, where contact policies count it.
   */
  @Test
  void shouldAddTheInteractionToTheContactHistoryWhenARetryIsAnswered() {
    try (var redis = dev.arbiter.testsupport.TestRedis.startDedicated();
        TestServer server =
            TestServer.startWithEnv(
                Map.of(
                    "DATABASE_URL",
                    dev.arbiter.testsupport.TestDatabase.newDatabase(),
                    "REDIS_URL",
                    redis.url()))) {
      server.bean(DemoSeeder.class).seed();
      String key = server.apiKey(DemoSeeder.TENANT, "decision");
      String tenantId = server.tenantId(DemoSeeder.TENANT);
      Map<String, Object> body = respond(server, key, "review-retry", "review-retry-1");
      JdbcClient jdbc = JdbcClient.create(server.bean(DataSource.class));
      String interactionId =
          jdbc.sql("select id from interactions where customer_id = 'review-retry'")
              .query(String.class)
              .single();
      String list = dev.arbiter.contact.RedisContactHistoryStore.key(tenantId, "review-retry");
      var client = io.lettuce.core.RedisClient.create(redis.uri());
      try (var admin = client.connect()) {
        // appends are sent without waiting for Redis's reply
        awaitTrue(() -> admin.sync().hexists(list, interactionId));
        // as if the node had died between the commit and the append: the list is loaded, the
        // interaction is not in it
        admin.sync().hdel(list, interactionId);

        Response retry = send(server, key, body, "review-retry-1");
        assertThat(retry.status()).as(retry.body()).isEqualTo(200);

        awaitTrue(() -> admin.sync().hexists(list, interactionId));
      } finally {
        client.shutdown();
      }
      assertThat(
              jdbc.sql("select count(*) from interactions where customer_id = 'review-retry'")
                  .query(Long.class)
                  .single())
          .isEqualTo(1);
    }
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within 5 s").isLessThan(deadline);
      Thread.onSpinWait();
    }
  }
}
