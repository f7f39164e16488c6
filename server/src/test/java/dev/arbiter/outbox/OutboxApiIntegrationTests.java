package dev.arbiter.outbox;

import static dev.arbiter.testsupport.TestServer.auth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.decision.OutboxEvent;
import dev.arbiter.decision.jdbc.JdbcDecisionLogRepository;
import dev.arbiter.testsupport.TestServer;
import dev.arbiter.testsupport.TestServer.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * The outbox over HTTP on a real server in log-only mode (no Kafka): the event log, the admin view
 * and retry, and the cron reaper with its secret.
 */
class OutboxApiIntegrationTests {
  static final String SECRET = "cron-secret-0123456789abcdef";
  static TestServer server;
  static String admin;
  static String viewer;
  static String decision;
  static String otherAdmin;

  @BeforeAll
  static void start() {
    server =
        TestServer.start(Map.of("CRON_SECRET", SECRET, "OUTBOX_REAPER_STALENESS_SECONDS", "1"));
    admin = server.apiKey("acme", "admin");
    viewer = server.apiKey("acme", "viewer");
    decision = server.apiKey("acme", "decision");
    otherAdmin = server.apiKey("other", "admin");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static JdbcClient sql() {
    return OutboxFixtures.jdbc(server.env().get("DATABASE_URL"));
  }

  static String tenantId(String key) {
    return sql()
        .sql("select id from tenants where key = ?")
        .param(key)
        .query(String.class)
        .single();
  }

  /** Inserts {@code n} events of tenant {@code tenantKey}, a row each. */
  static List<OutboxEvent> insert(String tenantKey, int n) {
    return insert(tenantKey, n, 1);
  }

  /** Inserts {@code n} events of tenant {@code tenantKey} as Recommend would, rows of up to 64. */
  static List<OutboxEvent> insertAsRecommend(String tenantKey, int n) {
    return insert(tenantKey, n, JdbcDecisionLogRepository.DEFAULT_EVENTS_PER_ROW);
  }

  private static List<OutboxEvent> insert(String tenantKey, int n, int eventsPerRow) {
    String tenant = tenantId(tenantKey);
    List<OutboxEvent> list = new ArrayList<>();
    for (OutboxEvent e : OutboxFixtures.events(n)) {
      list.add(
          new OutboxEvent(
              e.id(),
              tenant,
              e.type(),
              tenantKey + ":" + e.partitionKey().substring(3),
              e.event(),
              e.createdAt()));
    }
    OutboxFixtures.insert(server.env().get("DATABASE_URL"), list, eventsPerRow);
    return list;
  }

  static void setStatus(String id, String status) {
    sql()
        .sql(
            "update outbox_events set status = ?, attempts = 10, last_error = 'boom',"
                + " claimed_at = now(), published_at = case when ? = 'published' then now() end"
                + " where id = ?")
        .params(status, status, id)
        .update();
  }

  @Test
  void shouldPageThroughTheTenantsEventsWithTheirStatus() {
    // one row of 7 events, read 3 at a time: the cursor points inside the row
    List<OutboxEvent> mine = insertAsRecommend("acme", 7);
    insert("other", 2);
    // The log shows events once they are LOG_SETTLE old (so no reader skips a late commit).
    assertThat(server.get("/api/v1/events", auth(viewer, "acme")).json().path("data").size())
        .isZero();
    try {
      Thread.sleep(OutboxEvents.LOG_SETTLE.plusSeconds(1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<String> ids = new ArrayList<>();
    Map<String, String> statuses = new java.util.HashMap<>();
    String cursor = null;
    do {
      Response r =
          server.get(
              "/api/v1/events?limit=3" + (cursor == null ? "" : "&after=" + cursor),
              auth(viewer, "acme"));
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      JsonNode body = r.json();
      for (JsonNode item : body.path("data")) {
        ids.add(item.path("id").asString());
        assertThat(item.path("specversion").asString()).isEqualTo("1.0");
        assertThat(item.path("type").asString()).isEqualTo("decision.made.v1");
        statuses.put(item.path("id").asString(), item.path("status").asString());
        assertThat(item.has("data")).isTrue();
      }
      cursor =
          body.path("pagination").path("hasMore").asBoolean()
              ? body.path("pagination").path("nextCursor").asString()
              : null;
    } while (cursor != null);
    List<String> expected = mine.stream().map(OutboxEvent::id).toList();
    assertThat(ids).containsAll(expected).doesNotHaveDuplicates().isSorted();
    expected.forEach(id -> assertThat(statuses.get(id)).isEqualTo("pending"));
    assertThat(ids).allMatch(id -> !id.isEmpty()).hasSizeGreaterThanOrEqualTo(7);
    assertThat(server.get("/api/v1/events", auth(decision, "acme")).status()).isEqualTo(403);
    assertThat(server.get("/api/v1/events").status()).isEqualTo(401);
    // Another tenant sees only its own.
    JsonNode other = server.get("/api/v1/events?limit=500", auth(otherAdmin, "other")).json();
    for (JsonNode item : other.path("data")) {
      assertThat(expected).doesNotContain(item.path("id").asString());
    }
  }

  @Test
  void shouldListByStatusAndRetryADeadLetterOnlyForItsTenantsAdmin() {
    List<OutboxEvent> events = insert("acme", 4);
    String failed = events.get(0).id();
    String published = events.get(1).id();
    String processing = events.get(2).id();
    setStatus(failed, "failed");
    setStatus(published, "published");
    setStatus(processing, "processing");

    Response list = server.get("/api/v1/admin/outbox?status=failed", auth(admin, "acme"));
    assertThat(list.status()).as(list.toString()).isEqualTo(200);
    JsonNode row = list.json().path("data").get(0);
    assertThat(row.path("id").asString()).isEqualTo(failed);
    assertThat(row.path("attempts").asInt()).isEqualTo(10);
    assertThat(row.path("lastError").asString()).isEqualTo("boom");
    assertThat(row.path("event").path("id").asString()).isEqualTo(failed);
    assertThat(server.get("/api/v1/admin/outbox?status=nope", auth(admin, "acme")).status())
        .isEqualTo(422);
    assertThat(server.get("/api/v1/admin/outbox", auth(viewer, "acme")).status()).isEqualTo(403);

    String retry = "/api/v1/admin/outbox/" + failed + "/retry";
    assertThat(server.post(retry, null, auth(viewer, "acme")).status()).isEqualTo(403);
    assertThat(server.post(retry, null, auth(otherAdmin, "other")).status()).isEqualTo(404);
    Response ok = server.post(retry, null, auth(admin, "acme"));
    assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
    assertThat(ok.json().path("status").asString()).isEqualTo("pending");
    assertThat(ok.json().path("attempts").asInt()).isZero();
    assertThat(ok.json().path("lastError").isNull()).isTrue();
    // Retrying a pending event again is harmless.
    assertThat(server.post(retry, null, auth(admin, "acme")).status()).isEqualTo(200);

    Response conflict =
        server.post("/api/v1/admin/outbox/" + published + "/retry", null, auth(admin, "acme"));
    assertThat(conflict.status()).isEqualTo(409);
    assertThat(conflict.code()).isEqualTo("OUTBOX_EVENT_NOT_RETRYABLE");
    assertThat(
            server
                .post("/api/v1/admin/outbox/" + processing + "/retry", null, auth(admin, "acme"))
                .status())
        .isEqualTo(409);
    assertThat(
            server
                .post("/api/v1/admin/outbox/no-such-id/retry", null, auth(admin, "acme"))
                .status())
        .isEqualTo(404);

    JsonNode audit =
        server.get("/api/v1/audit-log?kind=outbox_event", auth(admin, "acme")).json().path("data");
    assertThat(audit.size()).isGreaterThanOrEqualTo(1);
    assertThat(audit.get(0).path("action").asString()).isEqualTo("retry");
    assertThat(audit.get(0).path("key").asString()).isEqualTo(failed);
  }

  /**
   * After an outage that dead-lettered a backlog, an admin puts the dead letters back in line in
   * bulk: oldest first, up to a limit, optionally of one type or created before a time; published
   * and processing rows and other tenants' are untouched, and one audit entry says what was done.
   */
  @Test
  void shouldRetryDeadLettersInBulkWithinTheFilterAndLimit() {
    // whatever other tests of this class left failed, settled first
    sql().sql("update outbox_events set status = 'published' where status = 'failed'").update();
    List<OutboxEvent> events = insert("acme", 6);
    List<OutboxEvent> others = insert("other", 1);
    for (int i = 0; i < 5; i++) {
      setStatus(events.get(i).id(), "failed");
    }
    setStatus(events.get(5).id(), "published");
    setStatus(others.get(0).id(), "failed");
    String path = "/api/v1/admin/outbox/retry";
    assertThat(server.post(path, Map.of(), auth(viewer, "acme")).status()).isEqualTo(403);

    // none created before the epoch: nothing retried, nothing audited
    Response none =
        server.post(path, Map.of("createdBefore", "1970-01-01T00:00:00Z"), auth(admin, "acme"));
    assertThat(none.status()).as(none.toString()).isEqualTo(200);
    assertThat(none.json().path("retried").asInt()).isZero();
    assertThat(none.json().path("hasMore").asBoolean()).isFalse();
    assertThat(statusOf(events.get(0).id())).isEqualTo("failed");
    // of another type: none either
    assertThat(
            server
                .post(path, Map.of("type", "interaction.recorded.v1"), auth(admin, "acme"))
                .json()
                .path("retried")
                .asInt())
        .isZero();

    Response first = server.post(path, Map.of("limit", 2), auth(admin, "acme"));
    assertThat(first.status()).as(first.toString()).isEqualTo(200);
    assertThat(first.json().path("retried").asInt()).isEqualTo(2);
    assertThat(first.json().path("events").asLong()).isEqualTo(2);
    assertThat(first.json().path("hasMore").asBoolean()).isTrue();
    // the oldest two, back in line with attempts and error cleared
    for (int i = 0; i < 2; i++) {
      Map<String, Object> row = row(events.get(i).id());
      assertThat(row.get("status")).isEqualTo("pending");
      assertThat(row.get("attempts")).isEqualTo(0);
      assertThat(row.get("last_error")).isNull();
    }
    assertThat(statusOf(events.get(2).id())).isEqualTo("failed");

    Response rest = server.post(path, null, auth(admin, "acme"));
    assertThat(rest.json().path("retried").asInt()).isEqualTo(3);
    assertThat(rest.json().path("hasMore").asBoolean()).isFalse();
    for (int i = 0; i < 5; i++) {
      assertThat(statusOf(events.get(i).id())).isEqualTo("pending");
    }
    assertThat(statusOf(events.get(5).id())).isEqualTo("published");
    assertThat(statusOf(others.get(0).id())).isEqualTo("failed");

    JsonNode audit =
        server.get("/api/v1/audit-log?kind=outbox_event", auth(admin, "acme")).json().path("data");
    List<JsonNode> bulk = new ArrayList<>();
    audit.forEach(
        e -> {
          if (e.path("action").asString().equals("retry_failed")) {
            bulk.add(e);
          }
        });
    assertThat(bulk).hasSize(2);
    assertThat(bulk)
        .extracting(e -> e.path("after").path("retried").asInt())
        .containsExactlyInAnyOrder(2, 3);

    Response bad =
        server.post(
            path,
            Map.of("limit", 0, "createdBefore", "yesterday", "status", "failed"),
            auth(admin, "acme"));
    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.code()).isEqualTo("VALIDATION_FAILED");
    assertThat(bad.json().path("errors").findValuesAsString("field"))
        .containsExactlyInAnyOrder("limit", "createdBefore", "status");
  }

  /**
   * Dead letters no retry will mend (too large for the broker, unreadable) are discarded, one or in
   * bulk, by the tenant's admin, audited; rows in any other status and other tenants' are not.
   */
  @Test
  void shouldDiscardDeadLettersOneByOneOrInBulkAndNothingElse() {
    sql().sql("update outbox_events set status = 'published' where status = 'failed'").update();
    List<OutboxEvent> events = insert("acme", 4);
    List<OutboxEvent> others = insert("other", 1);
    for (int i = 0; i < 3; i++) {
      setStatus(events.get(i).id(), "failed");
    }
    setStatus(others.get(0).id(), "failed");
    String first = "/api/v1/admin/outbox/" + events.get(0).id();
    assertThat(server.delete(first, auth(viewer, "acme")).status()).isEqualTo(403);

    Response pending =
        server.delete("/api/v1/admin/outbox/" + events.get(3).id(), auth(admin, "acme"));
    assertThat(pending.status()).isEqualTo(409);
    assertThat(pending.code()).isEqualTo("OUTBOX_EVENT_NOT_DISCARDABLE");
    assertThat(statusOf(events.get(3).id())).isEqualTo("pending");
    assertThat(
            server
                .delete("/api/v1/admin/outbox/" + others.get(0).id(), auth(admin, "acme"))
                .status())
        .as("another tenant's dead letter")
        .isEqualTo(404);

    assertThat(server.delete(first, auth(admin, "acme")).status()).isEqualTo(204);
    assertThat(rows(events.get(0).id())).isZero();
    assertThat(server.delete(first, auth(admin, "acme")).status()).isEqualTo(404);

    String bulk = "/api/v1/admin/outbox/discard";
    assertThat(server.post(bulk, Map.of(), auth(viewer, "acme")).status()).isEqualTo(403);
    Response one = server.post(bulk, Map.of("limit", 1), auth(admin, "acme"));
    assertThat(one.status()).as(one.toString()).isEqualTo(200);
    assertThat(one.json().path("discarded").asInt()).isEqualTo(1);
    assertThat(one.json().path("events").asLong()).isEqualTo(1);
    assertThat(one.json().path("hasMore").asBoolean()).isTrue();
    assertThat(rows(events.get(1).id())).as("the oldest first").isZero();
    assertThat(statusOf(events.get(2).id())).isEqualTo("failed");
    Response rest = server.post(bulk, null, auth(admin, "acme"));
    assertThat(rest.json().path("discarded").asInt()).isEqualTo(1);
    assertThat(rest.json().path("hasMore").asBoolean()).isFalse();
    assertThat(rows(events.get(2).id())).isZero();
    assertThat(statusOf(events.get(3).id())).isEqualTo("pending");
    assertThat(statusOf(others.get(0).id())).isEqualTo("failed");

    JsonNode audit =
        server.get("/api/v1/audit-log?kind=outbox_event", auth(admin, "acme")).json().path("data");
    List<String> actions = new ArrayList<>();
    audit.forEach(
        e -> {
          if (e.path("action").asString().startsWith("discard")) {
            actions.add(e.path("action").asString() + " " + e.path("key").asString());
          }
        });
    assertThat(actions)
        .containsExactlyInAnyOrder(
            "discard " + events.get(0).id(), "discard_failed failed", "discard_failed failed");

    Response bad = server.post(bulk, Map.of("limit", 10_001), auth(admin, "acme"));
    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.json().path("errors").findValuesAsString("field")).containsExactly("limit");
  }

  private static long rows(String id) {
    return sql()
        .sql("select count(*) from outbox_events where id = ?")
        .param(id)
        .query(Long.class)
        .single();
  }

  private static Map<String, Object> row(String id) {
    return sql()
        .sql("select status, attempts, last_error from outbox_events where id = ?")
        .param(id)
        .query()
        .singleRow();
  }

  private static String statusOf(String id) {
    return (String) row(id).get("status");
  }

  @Test
  void shouldRefuseTheReaperWithoutTheRightSecret() {
    String path = "/api/v1/cron/outbox-reaper";
    assertThat(server.post(path, null).status()).isEqualTo(401);
    assertThat(server.post(path, null, "Authorization", "Bearer wrong-secret").status())
        .isEqualTo(401);
    assertThat(server.post(path, null, "X-Cron-Secret", SECRET + "x").status()).isEqualTo(401);
    // A tenant's admin key is not the cron secret.
    assertThat(server.post(path, null, "Authorization", "Bearer " + admin).status()).isEqualTo(401);
    assertThat(server.post(path, null, "Authorization", "Bearer " + SECRET).status())
        .isEqualTo(200);
    assertThat(server.post(path, null, "X-Cron-Secret", SECRET).status()).isEqualTo(200);
  }

  @Test
  void shouldRefuseTheReaperWhenNoSecretIsConfiguredAndFallBackOnABadStaleness() {
    try (TestServer unset = TestServer.start(Map.of("OUTBOX_REAPER_STALENESS_SECONDS", "soon"))) {
      Response r = unset.post("/api/v1/cron/outbox-reaper", null, "X-Cron-Secret", "");
      assertThat(r.status()).isEqualTo(401);
      assertThat(
              unset.post("/api/v1/cron/outbox-reaper", null, "Authorization", "Bearer ").status())
          .isEqualTo(401);
      assertThat(r.json().path("detail").asString()).contains("CRON_SECRET is not configured");
    }
  }

  @Test
  void shouldResetStaleClaimsOnceAndAnswerWithWhatItDid() throws Exception {
    // Start from no stale claims, whatever other tests of this class left behind.
    Thread.sleep(1100);
    server.post("/api/v1/cron/outbox-reaper", null, "X-Cron-Secret", SECRET);
    insert("acme", 5);
    OutboxStore store = server.bean(OutboxStore.class);
    List<ClaimedEvent> claimed = new ArrayList<>();
    List<ClaimedEvent> batch;
    while (!(batch = store.claim(100)).isEmpty()) {
      claimed.addAll(batch);
    }
    assertThat(claimed).hasSizeGreaterThanOrEqualTo(5);
    Thread.sleep(1500); // older than OUTBOX_REAPER_STALENESS_SECONDS=1
    Response r = server.post("/api/v1/cron/outbox-reaper", null, "X-Cron-Secret", SECRET);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    JsonNode body = r.json();
    assertThat(body.path("status").asString()).isEqualTo("ok");
    assertThat(body.path("stalenessSeconds").asInt()).isEqualTo(1);
    assertThat(body.path("resetCount").asInt()).isEqualTo(claimed.size());
    assertThat(body.has("durationMs")).isTrue();
    assertThat(body.path("timestamp").asString()).isNotEmpty();
    Response again = server.post("/api/v1/cron/outbox-reaper", null, "X-Cron-Secret", SECRET);
    assertThat(again.json().path("resetCount").asInt()).isZero();
    assertThat(
            sql()
                .sql("select count(*) from outbox_events where status = 'processing'")
                .query(Long.class)
                .single())
        .isZero();
  }

  @Test
  void shouldReportKafkaAndTheOutboxAsDisabledInLogOnlyMode() {
    JsonNode health = server.get("/api/health").json();
    assertThat(health.path("checks").path("kafka").path("status").asString()).isEqualTo("disabled");
    assertThat(health.path("checks").path("outbox").path("status").asString())
        .isEqualTo("disabled");
    assertThat(health.path("checks").path("outbox").path("details").path("mode").asString())
        .isEqualTo("log_only");
    assertThat(server.get("/api/ready").status()).isEqualTo(200);
    String metrics = server.get("/metrics").body();
    assertThat(metrics)
        .contains("arbiter_outbox_pending ")
        .contains("arbiter_outbox_oldest_pending_age_seconds");
  }
}
