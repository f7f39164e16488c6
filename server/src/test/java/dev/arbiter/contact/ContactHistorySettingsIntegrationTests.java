package dev.arbiter.contact;

import static dev.arbiter.testsupport.TestServer.auth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.decision.BudgetIntegrationTests;
import dev.arbiter.testsupport.TestServer;
import dev.arbiter.testsupport.TestServer.Response;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The contact history's settings reach both what catalog writes accept and what decisions count: a
 * server told to keep 200 days ({@code ARBITER_CONTACT_HORIZON}) and 3 contacts of a kind ({@code
 * ARBITER_CONTACT_MAX_EVENTS}) takes a 180-day cooldown, which a reject from 150 days ago then
 * triggers, and refuses a cap of 4.
 */
class ContactHistorySettingsIntegrationTests {
  static TestServer server;
  static String[] admin;
  static String tenantId;
  static JdbcClient jdbc;

  @BeforeAll
  static void start() {
    server =
        TestServer.start(
            Map.of("ARBITER_CONTACT_HORIZON", "P200D", "ARBITER_CONTACT_MAX_EVENTS", "3"));
    admin = auth(server.apiKey("settings", "admin"), "settings");
    tenantId = server.tenantId("settings");
    jdbc = JdbcClient.create(server.bean(DataSource.class));
    for (String key : List.of("a", "b")) {
      created(
          "offers",
          Map.of("key", key, "name", key, "category", "c", "status", "active", "priority", 50));
    }
    BudgetIntegrationTests.publishFlow(server, admin); // flow "f": category "c", two offers
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void shouldCountAsFarBackAsTheConfiguredHorizon() {
    created(
        "contact-policies",
        Map.of(
            "key",
            "half-year-after-reject",
            "name",
            "rest",
            "type",
            "cooldown",
            "scope",
            Map.of("type", "offer"),
            "config",
            Map.of("outcome", "reject", "duration", "P180D"),
            "status",
            "active"));
    interaction("c-150", "reject", "a", 150);
    interaction("c-190", "reject", "a", 190);
    // the store loads 200 days of each customer's interactions: 150 days ago is inside the
    // cooldown, 190 days ago is not
    assertThat(offers("c-150")).containsExactly("b");
    assertThat(offers("c-190")).containsExactlyInAnyOrder("a", "b");

    Response tooLong =
        server.post(
            "/api/v1/contact-policies",
            Map.of(
                "key",
                "longer",
                "name",
                "longer",
                "type",
                "cooldown",
                "scope",
                Map.of("type", "offer"),
                "config",
                Map.of("outcome", "reject", "duration", "P201D")),
            admin);
    assertThat(tooLong.status()).isEqualTo(422);
    assertThat(tooLong.json().path("errors").get(0).path("message").asString())
        .startsWith("must be at most P200D");
  }

  @Test
  void shouldKeepAndAcceptAsManyContactsAsConfigured() {
    for (int day = 1; day <= 5; day++) {
      interaction("c-many", "impression", "b", day);
    }
    ContactHistoryStore store = server.bean(ContactHistoryStore.class);
    assertThat(store.history(tenantId, "c-many")).as("the newest 3 of 5").hasSize(3);

    Map<String, Object> cap =
        Map.of(
            "key",
            "four",
            "name",
            "four",
            "type",
            "frequency_cap",
            "scope",
            Map.of("type", "global"),
            "config",
            Map.of("outcome", "impression", "max", 4, "window", "P30D"));
    Response refused = server.post("/api/v1/contact-policies", cap, admin);
    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.json().path("errors").get(0).path("field").asString())
        .isEqualTo("config.max");
    assertThat(refused.json().path("errors").get(0).path("message").asString())
        .startsWith("must be at most 3");
  }

  private static void created(String kind, Map<String, Object> body) {
    Response r = server.post("/api/v1/" + kind, body, admin);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
  }

  private static List<String> offers(String customerId) {
    Response r =
        server.post("/api/v1/recommend", Map.of("customerId", customerId, "flowKey", "f"), admin);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().path("offers").findValuesAsString("offerKey");
  }

  private static void interaction(String customerId, String outcome, String offer, int daysAgo) {
    String id = customerId + "-" + outcome + "-" + daysAgo;
    jdbc.sql(
            """
            insert into interactions (id, tenant_id, customer_id, decision_id, offer_key, category,
                                      channel, outcome, occurred_at, recorded_at, idempotency_key)
            values (:id, :t, :c, 'd-' || :id, :o, 'c', 'web', :outcome,
                    now() - make_interval(days => :days), now(), 'k-' || :id)
            """)
        .param("id", id)
        .param("t", tenantId)
        .param("c", customerId)
        .param("o", offer)
        .param("outcome", outcome)
        .param("days", daysAgo)
        .update();
  }
}
