package dev.arbiter.contact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.contact.UnsharedInteractions.Unshared;
import dev.arbiter.contact.jdbc.JdbcInteractionReader;
import dev.arbiter.contact.jdbc.JdbcUnsharedInteractions;
import dev.arbiter.demo.DemoSeeder;
import dev.arbiter.engine.policy.ContactEvent;
import dev.arbiter.shared.ReconcileTimings;
import dev.arbiter.testsupport.TestDatabase;
import dev.arbiter.testsupport.TestRedis;
import dev.arbiter.testsupport.TestRedis.DedicatedRedis;
import dev.arbiter.testsupport.TestServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Every committed interaction reaches the contact lists all nodes share, also when the node that
 * recorded it stopped before appending it or Redis was away: a real server, PostgreSQL and a Redis
 * of this class's own (stopped and started by one test).
 */
class ContactSharingIntegrationTests {
  static DedicatedRedis redis;
  static TestServer server;
  static JdbcClient jdbc;
  static String tenantId;
  static String decisionKey;
  static ContactSharing sharing;
  static FailoverContactHistoryStore store;
  static RedisClient client;
  static StatefulRedisConnection<String, String> admin;

  @BeforeAll
  static void start() {
    redis = TestRedis.startDedicated();
    // The background reconciler would race the tests' own runs.
    server =
        TestServer.startWithEnv(
            Map.of(
                "DATABASE_URL",
                TestDatabase.newDatabase(),
                "REDIS_URL",
                redis.url(),
                "ARBITER_CONTACT_RECONCILE_INTERVAL",
                "1d"));
    server.bean(DemoSeeder.class).seed();
    jdbc = JdbcClient.create(server.bean(DataSource.class));
    tenantId = server.tenantId(DemoSeeder.TENANT);
    decisionKey = server.apiKey(DemoSeeder.TENANT, "decision");
    sharing = server.bean(ContactSharing.class);
    store = server.bean(FailoverContactHistoryStore.class);
    client = RedisClient.create(redis.uri());
    admin = client.connect();
  }

  @AfterAll
  static void stop() {
    if (admin != null) {
      admin.close();
      client.shutdown();
    }
    if (server != null) {
      server.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  /** What a failed test left would change the next one's counts. */
  @AfterEach
  void clean() {
    if (!redis.running()) {
      redis.start();
    }
    awaitServerOnRedis();
    sharing.flushMarks();
    jdbc.sql("delete from unshared_interactions").update();
  }

  @Test
  void shouldRecordARespondAsUnsharedUntilRedisHasIt() {
    jdbc.sql("create table test_unshared_log (interaction_id text)").update();
    jdbc.sql(
            """
            create function test_unshared_log() returns trigger language plpgsql as $$
            begin
              insert into test_unshared_log values (new.interaction_id);
              return new;
            end $$;
            create trigger test_unshared_log after insert on unshared_interactions
              for each row execute function test_unshared_log();
            """)
        .update();
    try {
      String customer = "share-" + UUID.randomUUID();
      String interactionId = respond(customer, recommend(customer), "impression");

      assertThat(
              jdbc.sql("select interaction_id from test_unshared_log").query(String.class).list())
          .as("written with the interaction")
          .containsExactly(interactionId);
      await(
          () -> {
            sharing.flushMarks();
            return unshared(interactionId) == 0;
          },
          "the row deleted once Redis acknowledged the append");
      assertThat(inRedis(customer, interactionId)).isTrue();
    } finally {
      jdbc.sql("drop table test_unshared_log; drop function test_unshared_log() cascade").update();
    }
  }

  /**
   * A node that committed a reject and stopped before appending it left the customer's loaded list
   * without it: the cooldown would not see it. The reconciler of any node adds it, and the rejected
   * offer is no longer returned.
   */
  @Test
  void shouldShareARejectThatANodeStoppedBeforeAppending() {
    String customer = "crash-" + UUID.randomUUID();
    JsonNode decision = recommend(customer);
    String offer = decision.path("offers").get(0).path("offerKey").asString();
    String interactionId = respond(customer, decision, "reject");
    await(
        () -> {
          sharing.flushMarks();
          return unshared(interactionId) == 0;
        },
        "appended and its row deleted");
    assertThat(inRedis(customer, interactionId)).isTrue();
    // As the stopped node left it: the list loaded (its '!' field) without the reject, and the
    // interaction's row still recorded as unshared, a minute and more ago.
    admin.sync().hdel(RedisContactHistoryStore.key(tenantId, customer), interactionId);
    leaveUnshared(interactionId);
    assertThat(rejects(customer)).as("the cooldown does not see the reject").isZero();

    ContactSharing.Reconciled run = sharing.reconcile();

    assertThat(run).isEqualTo(new ContactSharing.Reconciled(1, 0, 0));
    assertThat(inRedis(customer, interactionId)).isTrue();
    assertThat(unshared(interactionId)).isZero();
    assertThat(rejects(customer)).isEqualTo(1);
    assertThat(offerKeys(recommend(customer)))
        .as("the rejected offer rests for 30 days")
        .doesNotContain(offer);
    assertThat(
            server
                .bean(MeterRegistry.class)
                .get("arbiter.contact.unshared.reconciled")
                .tag("result", "appended")
                .counter()
                .count())
        .isGreaterThanOrEqualTo(1);
    assertThat(server.bean(MeterRegistry.class).get("arbiter.contact.unshared").gauge().value())
        .isZero();
  }

  /**
   * While Redis is away the interaction goes to the node's memory and replay buffer: its row stays
   * (no node not on Redis takes it), and is deleted once the recovery has sent the buffer.
   */
  @Test
  void shouldKeepTheRowOfAnInteractionRecordedDuringAnOutageUntilTheRecoverySentIt()
      throws Exception {
    String customer = "outage-" + UUID.randomUUID();
    JsonNode decision = recommend(customer);
    redis.stop();
    String interactionId = respond(customer, decision, "impression");
    await(() -> !store.redisInUse(), "the store degraded");
    sharing.flushMarks();
    assertThat(unshared(interactionId)).as("not in Redis: stays").isEqualTo(1);
    leaveUnshared(interactionId);

    assertThat(sharing.reconcile())
        .as("degraded: claims nothing")
        .isEqualTo(new ContactSharing.Reconciled(0, 0, 0));
    assertThat(unsharedInHealth()).isEqualTo(1);

    // another node whose Redis is unreachable takes nothing
    SimpleMeterRegistry otherMeters = new SimpleMeterRegistry();
    try (FailoverContactHistoryStore offRedis = storeOn(unreachable(), otherMeters);
        ContactSharing other =
            new ContactSharing(
                new JdbcUnsharedInteractions(jdbc),
                offRedis,
                otherMeters,
                ReconcileTimings.DEFAULTS)) {
      assertThat(other.reconcile()).isEqualTo(new ContactSharing.Reconciled(0, 0, 0));
      assertThat(otherMeters.get("arbiter.contact.unshared").gauge().value()).isEqualTo(1);
    }
    assertThat(claimed(interactionId)).as("not claimed by a node that cannot share").isFalse();

    redis.start(); // empty, and the probe sends what the node buffered
    await(store::redisInUse, "the store back on Redis");
    await(
        () -> {
          sharing.flushMarks();
          return unshared(interactionId) == 0;
        },
        "the row deleted once the recovery sent the interaction");
    assertThat(inRedis(customer, interactionId)).isTrue();
    assertThat(sharing.reconcile()).isEqualTo(new ContactSharing.Reconciled(0, 0, 0));
    assertThat(unsharedInHealth()).isZero();
  }

  /**
   * A node stopped during an outage loses what its replay buffer held: that interaction's row
   * stays, and a node on Redis shares it once Redis is back.
   */
  @Test
  void shouldShareWhatANodeStoppedDuringAnOutageHadBuffered() {
    String customer = "stopped-" + UUID.randomUUID();
    String interactionId = interactionRow(customer, "reject"); // committed, as by Respond
    ContactEntry entry =
        ContactEntry.interaction(
            interactionId, new ContactEvent("reject", "gold-card", "cards", "web", Instant.now()));
    SimpleMeterRegistry otherMeters = new SimpleMeterRegistry();
    FailoverContactHistoryStore otherStore = storeOn(redis.uri(), otherMeters);
    ContactSharing other =
        new ContactSharing(
            new JdbcUnsharedInteractions(jdbc), otherStore, otherMeters, ReconcileTimings.DEFAULTS);
    try {
      assertThat(otherStore.redisInUse()).isTrue();
      redis.stop();
      other.append(tenantId, customer, entry); // fails on Redis: buffered
      await(() -> !otherStore.redisInUse(), "the other node degraded");
    } finally {
      other.close();
      otherStore.close(); // Redis still away: the buffer is lost (logged)
    }
    assertThat(unshared(interactionId)).isEqualTo(1);

    redis.start();
    awaitServerOnRedis();
    leaveUnshared(interactionId);
    assertThat(inRedis(customer, interactionId)).isFalse();
    assertThat(sharing.reconcile()).isEqualTo(new ContactSharing.Reconciled(1, 0, 0));
    assertThat(inRedis(customer, interactionId)).isTrue();
    assertThat(unshared(interactionId)).isZero();
  }

  /** Nodes reconciling at once take different rows; each row is shared once its claim is taken. */
  @Test
  @Timeout(60) // without SKIP LOCKED the claim would wait for the other transaction for good
  void shouldLetNodesClaimDifferentRowsAndShareThemAll() throws Exception {
    String customer = "claims-" + UUID.randomUUID();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ids.add(interactionRow(customer, "impression"));
    }
    jdbc.sql("update unshared_interactions set created_at = now() - interval '2 minutes'").update();
    UnsharedInteractions rows = new JdbcUnsharedInteractions(jdbc);

    // Another node's claim, in its transaction still: its rows are skipped, not waited for.
    List<Unshared> first;
    try (Connection other = server.bean(DataSource.class).getConnection();
        Statement st = other.createStatement()) {
      other.setAutoCommit(false);
      st.execute("set local lock_timeout = '5s'");
      st.execute(
          "select 1 from unshared_interactions where interaction_id in ('"
              + ids.get(0)
              + "', '"
              + ids.get(1)
              + "') for update");
      first = rows.claim(Duration.ofMinutes(1), Duration.ofMinutes(2), 10);
      other.rollback();
    }
    List<Unshared> second = rows.claim(Duration.ofMinutes(1), Duration.ofMinutes(2), 3);
    List<Unshared> third = rows.claim(Duration.ofMinutes(1), Duration.ofMinutes(2), 3);

    assertThat(first).as("all but the locked two").hasSize(4);
    assertThat(second).hasSize(2);
    assertThat(third).as("all claimed").isEmpty();
    List<String> claimedIds = new ArrayList<>();
    first.forEach(u -> claimedIds.add(u.key().interactionId()));
    second.forEach(u -> claimedIds.add(u.key().interactionId()));
    assertThat(claimedIds).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(second)
        .extracting(u -> u.key().interactionId())
        .containsExactlyInAnyOrder(ids.get(0), ids.get(1));
    assertThat(first.getFirst().customerId()).isEqualTo(customer);
    assertThat(first.getFirst().entry().event().outcome()).isEqualTo("impression");

    // the claims run out (their nodes stopped): the next run shares all six
    jdbc.sql("update unshared_interactions set claimed_until = now() - interval '1 second'")
        .update();
    assertThat(sharing.reconcile()).isEqualTo(new ContactSharing.Reconciled(6, 0, 0));
    for (String id : ids) {
      assertThat(inRedis(customer, id)).as(id).isTrue();
    }
    assertThat(rows.count(Duration.ZERO)).isZero();
  }

  @Test
  void shouldForgetARowWhoseInteractionIsGone() {
    String id = UUID.randomUUID().toString();
    jdbc.sql(
            """
            insert into unshared_interactions (tenant_id, interaction_id, occurred_at, created_at)
            values (?, ?, now(), now() - interval '2 minutes')
            """)
        .params(tenantId, id)
        .update();

    assertThat(sharing.reconcile()).isEqualTo(new ContactSharing.Reconciled(0, 1, 0));
    assertThat(unshared(id)).isZero();
  }

  @Test
  void shouldRecordNothingAsUnsharedWithoutRedis() {
    try (TestServer local = TestServer.start()) {
      local.bean(DemoSeeder.class).seed();
      String key = local.apiKey(DemoSeeder.TENANT, "decision");
      assertThat(local.bean(ContactSharing.class).marking()).isFalse();
      String customer = "local-" + UUID.randomUUID();
      JsonNode decision = recommend(local, key, customer);
      assertThat(respond(local, key, customer, decision, "impression").status()).isEqualTo(201);
      JdbcClient localJdbc = JdbcClient.create(local.bean(DataSource.class));
      assertThat(localJdbc.sql("select count(*) from interactions").query(Long.class).single())
          .isEqualTo(1);
      assertThat(
              localJdbc
                  .sql("select count(*) from unshared_interactions")
                  .query(Long.class)
                  .single())
          .isZero();

      // nor does it name the table: such a node also runs on a database migrated before V15
      localJdbc.sql("drop table unshared_interactions").update();
      String other = "local-" + UUID.randomUUID();
      TestServer.Response r =
          respond(local, key, other, recommend(local, key, other), "impression");
      assertThat(r.status()).as(r.body()).isEqualTo(201);
    }
  }

  // ---- helpers

  private static JsonNode recommend(String customer) {
    return recommend(server, decisionKey, customer);
  }

  private static JsonNode recommend(TestServer on, String key, String customer) {
    TestServer.Response r =
        on.post(
            "/api/v1/recommend",
            Map.of(
                "customerId",
                customer,
                "flowKey",
                "homepage",
                "limit",
                5,
                "attributes",
                Map.of("balance", 12000, "age", 40)),
            TestServer.auth(key, DemoSeeder.TENANT));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  /** Responds {@code outcome} to the decision's first offer; returns the interaction id. */
  private static String respond(String customer, JsonNode decision, String outcome) {
    TestServer.Response r = respond(server, decisionKey, customer, decision, outcome);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().path("interactionId").asString();
  }

  private static TestServer.Response respond(
      TestServer on, String key, String customer, JsonNode decision, String outcome) {
    return on.post(
        "/api/v1/respond",
        Map.of(
            "decisionId",
            decision.path("decisionId").asString(),
            "offerKey",
            decision.path("offers").get(0).path("offerKey").asString(),
            "customerId",
            customer,
            "outcome",
            outcome),
        "Authorization",
        "Bearer " + key,
        "X-Tenant-Id",
        DemoSeeder.TENANT,
        "Idempotency-Key",
        "idem-" + UUID.randomUUID());
  }

  private static List<String> offerKeys(JsonNode decision) {
    List<String> keys = new ArrayList<>();
    decision.path("offers").forEach(o -> keys.add(o.path("offerKey").asString()));
    return keys;
  }

  /** An interaction row with its unshared record, as Respond writes them. */
  private static String interactionRow(String customer, String outcome) {
    String id = UUID.randomUUID().toString();
    jdbc.sql(
            """
            insert into interactions (id, tenant_id, customer_id, decision_id, offer_key, category,
                                      channel, outcome, occurred_at, recorded_at, idempotency_key)
            values (:id, :tenant, :customer, 'd-' || :id, 'gold-card', 'cards', 'web', :outcome,
                    now(), now(), 'k-' || :id);
            insert into unshared_interactions (tenant_id, interaction_id, occurred_at)
            select tenant_id, id, occurred_at from interactions where id = :id
            """)
        .param("id", id)
        .param("tenant", tenantId)
        .param("customer", customer)
        .param("outcome", outcome)
        .update();
    return id;
  }

  /** As a node that stopped before the append left it: recorded, unshared, over a minute ago. */
  private static void leaveUnshared(String interactionId) {
    jdbc.sql(
            """
            insert into unshared_interactions (tenant_id, interaction_id, occurred_at)
            select tenant_id, id, occurred_at from interactions where id = :id
            on conflict (tenant_id, interaction_id) do nothing;
            update unshared_interactions set created_at = now() - interval '2 minutes'
             where interaction_id = :id
            """)
        .param("id", interactionId)
        .update();
  }

  private static long unshared(String interactionId) {
    return jdbc.sql("select count(*) from unshared_interactions where interaction_id = ?")
        .param(interactionId)
        .query(Long.class)
        .single();
  }

  /**
   * Waits until the server's store is on the (restarted) Redis: a read notices a connection the
   * restart broke (the store degrades and its probe reconnects).
   */
  private static void awaitServerOnRedis() {
    await(
        () -> {
          store.history(tenantId, "probe-" + UUID.randomUUID());
          return store.redisInUse();
        },
        "the store on Redis");
  }

  /** What /api/health says the last reconcile run left unshared. */
  private static long unsharedInHealth() {
    TestServer.Response health = server.get("/api/health");
    JsonNode details = health.json().path("checks").path("contactHistory").path("details");
    assertThat(details.has("unsharedInteractions")).as(health.body()).isTrue();
    return details.path("unsharedInteractions").asLong();
  }

  private static boolean claimed(String interactionId) {
    return jdbc.sql(
            "select claimed_until is not null from unshared_interactions where interaction_id = ?")
        .param(interactionId)
        .query(Boolean.class)
        .single();
  }

  private static boolean inRedis(String customer, String interactionId) {
    return admin.sync().hexists(RedisContactHistoryStore.key(tenantId, customer), interactionId);
  }

  /** The rejects the customer's shared history holds, as contact policies see it. */
  private static long rejects(String customer) {
    return store.history(tenantId, customer).stream()
        .map(ContactEvent::outcome)
        .filter("reject"::equals)
        .count();
  }

  /** A store on a Redis that does not answer (a port nothing listens on): degraded from start. */
  private static FailoverContactHistoryStore storeOn(RedisURI uri, MeterRegistry meters) {
    ContactHistoryMetrics metrics = new ContactHistoryMetrics(meters);
    JdbcInteractionReader reader = new JdbcInteractionReader(jdbc);
    Clock clock = Clock.systemUTC();
    return new FailoverContactHistoryStore(
        new RedisContactHistoryStore(
            null,
            uri,
            RedisContactHistoryStore.DEFAULT_COMMAND_TIMEOUT,
            reader,
            ContactHistoryProperties.DEFAULTS,
            metrics,
            clock),
        new LocalContactHistoryStore(reader, ContactHistoryProperties.DEFAULTS, metrics, clock),
        metrics,
        meters,
        clock);
  }

  private static RedisURI unreachable() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return RedisURI.create("127.0.0.1", socket.getLocalPort());
    }
  }

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as(what + " within 10 s").isNegative();
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
