package dev.arbiter.contact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.contact.jdbc.JdbcInteractionReader;
import dev.arbiter.engine.policy.ContactEvent;
import dev.arbiter.testsupport.TestRedis;
import dev.arbiter.testsupport.TestRedis.DedicatedRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Outages against a Redis of the test's own (never the shared one) and a real PostgreSQL: stopped
 * and restarted on the same port, paused so commands time out, absent at start-up, or not
 * configured at all.
 */
class FailoverContactHistoryStoreIntegrationTests {
  /** The command timeout plus room for a loaded 2-core machine; far below a hang. */
  private static final Duration MAX_ANSWER_TIME = Duration.ofMillis(1_000);

  private static final ContactDatabase db = ContactDatabase.migrated();

  private final List<AutoCloseable> closeAfter = new ArrayList<>();
  private final PrometheusMeterRegistry meters =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
  private final String customer = "cust-" + java.util.UUID.randomUUID();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable closeable : closeAfter.reversed()) {
      closeable.close();
    }
  }

  private DedicatedRedis dedicatedRedis() {
    DedicatedRedis redis = TestRedis.startDedicated();
    closeAfter.add(redis);
    return redis;
  }

  /** One node: its own meters unless given, its own in-process store, on {@code redis}. */
  private FailoverContactHistoryStore node(DedicatedRedis redis, PrometheusMeterRegistry registry) {
    return node(redis, registry, FailoverContactHistoryStore.DEFAULT_MAX_REPLAY_CUSTOMERS);
  }

  private FailoverContactHistoryStore node(
      DedicatedRedis redis, PrometheusMeterRegistry registry, int maxReplayCustomers) {
    return node(redis, registry, maxReplayCustomers, Duration.ofMillis(100));
  }

  private FailoverContactHistoryStore node(
      DedicatedRedis redis,
      PrometheusMeterRegistry registry,
      int maxReplayCustomers,
      Duration probeInterval) {
    return node(redis, registry, maxReplayCustomers, probeInterval, null);
  }

  private FailoverContactHistoryStore node(
      DedicatedRedis redis,
      PrometheusMeterRegistry registry,
      int maxReplayCustomers,
      Duration probeInterval,
      io.lettuce.core.resource.ClientResources resources) {
    ContactHistoryMetrics metrics = new ContactHistoryMetrics(registry);
    JdbcInteractionReader reader = new JdbcInteractionReader(db.jdbc);
    Clock clock = Clock.systemUTC();
    ContactHistoryProperties properties = ContactHistoryProperties.DEFAULTS;
    RedisContactHistoryStore onRedis =
        redis == null
            ? null
            : new RedisContactHistoryStore(
                resources,
                redis.uri(),
                RedisContactHistoryStore.DEFAULT_COMMAND_TIMEOUT,
                reader,
                properties,
                metrics,
                clock);
    FailoverContactHistoryStore store =
        new FailoverContactHistoryStore(
            onRedis,
            new LocalContactHistoryStore(reader, properties, metrics, clock),
            metrics,
            registry,
            clock,
            probeInterval,
            maxReplayCustomers);
    closeAfter.add(store);
    return store;
  }

  @Test
  void shouldAnswerFromPostgresWhileRedisIsDownAndReturnToRedisByItself() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    FailoverContactHistoryStore store = node(redis, meters);
    db.insertInteraction(customer, "impression", "gold-card", now.minus(Duration.ofDays(2)));
    store.history(db.tenantId, customer);
    store.append(db.tenantId, customer, List.of(decision("before-outage", now.minusSeconds(30))));
    assertThat(store.history(db.tenantId, customer)).hasSize(2);
    assertThat(store.status())
        .extracting(s -> s.mode(), s -> s.healthy(), s -> s.configured(), s -> s.lastError())
        .containsExactly(ContactHistoryStatus.MODE_REDIS, true, true, null);

    redis.stop();
    // Interactions still count (loaded from PostgreSQL); the decision kept in Redis is not seen.
    assertThat(timed(() -> store.history(db.tenantId, customer)))
        .extracting(ContactEvent::offerKey)
        .containsExactly("gold-card");
    ContactHistoryStatus degraded = store.status();
    assertThat(degraded.mode()).isEqualTo(ContactHistoryStatus.MODE_IN_PROCESS);
    assertThat(degraded.healthy()).isFalse();
    assertThat(degraded.lastError()).isNotBlank();

    // Respond and Recommend during the outage: answered and kept in memory, queued for Redis.
    Instant clickAt = now.minusSeconds(10);
    String clickId = db.insertInteraction(customer, "click", "gold-card", clickAt);
    timed(
        () -> {
          store.append(
              db.tenantId,
              customer,
              List.of(
                  ContactEntry.interaction(
                      clickId, new ContactEvent("click", "gold-card", "cards", "web", clickAt)),
                  decision("during-outage", now)));
          return null;
        });
    assertThat(timed(() -> store.history(db.tenantId, customer)))
        .extracting(ContactEvent::offerKey)
        .containsExactly("during-outage", "gold-card", "gold-card");
    assertThat(store.status().pendingReplay()).isEqualTo(2);
    assertThat(meters.scrape())
        .contains("arbiter_contact_degraded 1.0")
        // Only the first call touched the dead Redis; the rest went straight to memory.
        .contains("arbiter_contact_redis_errors_total 1.0");

    redis.start(); // an embedded Redis without persistence: it comes back empty
    awaitTrue(() -> store.status().healthy(), Duration.ofSeconds(5));

    ContactHistoryStatus recovered = store.status();
    assertThat(recovered.mode()).isEqualTo(ContactHistoryStatus.MODE_REDIS);
    assertThat(recovered.since()).isAfter(degraded.since());
    assertThat(recovered.pendingReplay()).isZero();
    assertThat(meters.scrape()).contains("arbiter_contact_degraded 0.0");
    // A node that never saw the outage reads what was replayed, merged with PostgreSQL once.
    FailoverContactHistoryStore otherNode =
        node(redis, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    assertThat(otherNode.history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly("during-outage", "gold-card", "gold-card");
    assertThat(store.history(db.tenantId, customer))
        .extracting(ContactEvent::outcome)
        .containsExactly("decision", "click", "impression");
  }

  @Test
  void shouldRefuseAConditionalAppendAcrossASwitchAndBufferOneMadeDuringTheOutage()
      throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    FailoverContactHistoryStore store = node(redis, meters);
    String quiet = customer + "-quiet";
    // read on Redis at version 0: no decision appended yet (as in process memory after a switch)
    ContactHistory onRedis = store.read(db.tenantId, customer);
    assertThat(onRedis.version()).isZero();

    redis.stop();
    assertThat(timed(() -> store.history(db.tenantId, quiet))).isEmpty(); // degrades
    assertThat(store.status().healthy()).isFalse();
    // the list in memory is at version 0 too: only the switch tells the read is from elsewhere
    assertThat(store.read(db.tenantId, customer).version()).isZero();
    assertThat(store.appendDecisions(db.tenantId, customer, List.of(decision("a", now)), onRedis))
        .as("read on Redis, appended in memory")
        .isFalse();

    // decisions made in memory: checked there, and buffered for Redis
    ContactHistory inMemory = store.read(db.tenantId, customer);
    assertThat(inMemory.epoch()).isNotEqualTo(onRedis.epoch());
    ContactHistory concurrent = store.read(db.tenantId, customer);
    assertThat(
            store.appendDecisions(
                db.tenantId, customer, List.of(decision("b", now.plusMillis(1))), inMemory))
        .isTrue();
    assertThat(
            store.appendDecisions(
                db.tenantId, customer, List.of(decision("c", now.plusMillis(2))), concurrent))
        .isFalse();
    assertThat(store.status().pendingReplay()).isEqualTo(1);
    ContactHistory quietInMemory = store.read(db.tenantId, quiet);
    assertThat(quietInMemory.version()).isZero();

    redis.start(); // back empty: the replay sends b
    awaitTrue(() -> store.status().healthy(), Duration.ofSeconds(5));
    // Redis has no list of the quiet customer (version 0, as read in memory): only the switch
    // refuses it
    assertThat(
            store.appendDecisions(
                db.tenantId, quiet, List.of(decision("d", now.plusMillis(3))), quietInMemory))
        .as("read in process memory, appended once back on Redis")
        .isFalse();
    FailoverContactHistoryStore otherNode =
        node(redis, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    assertThat(otherNode.history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly("b");
    assertThat(otherNode.history(db.tenantId, quiet)).isEmpty();
    ContactHistory back = store.read(db.tenantId, quiet);
    assertThat(
            store.appendDecisions(
                db.tenantId, quiet, List.of(decision("d", now.plusMillis(3))), back))
        .isTrue();
  }

  @Test
  void shouldFailOverWithinTheCommandTimeoutWhenRedisStopsAnswering() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    FailoverContactHistoryStore store = node(redis, meters);
    db.insertInteraction(customer, "impression", "gold-card", now.minus(Duration.ofDays(1)));
    assertThat(store.history(db.tenantId, customer)).hasSize(1);

    pause(redis, 2_000); // Redis accepts commands and answers none for 2 s

    assertThat(timed(() -> store.history(db.tenantId, customer))).hasSize(1);
    assertThat(store.status().healthy()).isFalse();
    assertThat(store.status().lastError()).containsIgnoringCase("timed out");
    for (int i = 0; i < 5; i++) {
      timed(() -> store.history(db.tenantId, customer));
    }
    assertThat(meters.scrape()).contains("arbiter_contact_redis_errors_total 1.0");

    awaitTrue(() -> store.status().healthy(), Duration.ofSeconds(6));
    assertThat(store.status().mode()).isEqualTo(ContactHistoryStatus.MODE_REDIS);
  }

  @Test
  void shouldSendAppendsWithoutWaitingAndSeeThemOnTheNextCall() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    FailoverContactHistoryStore store = node(redis, meters);
    FailoverContactHistoryStore otherNode =
        node(redis, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    assertThat(store.history(db.tenantId, customer)).isEmpty();

    for (int i = 0; i < 50; i++) {
      store.append(db.tenantId, customer, List.of(decision("d-" + i, now.plusMillis(i))));
    }

    java.util.concurrent.CompletableFuture<Boolean> shared =
        new java.util.concurrent.CompletableFuture<>();
    store.append(db.tenantId, customer, List.of(decision("d-50", now.plusMillis(50))), shared);

    // Same connection, same order: this node's next read runs after its appends.
    assertThat(store.history(db.tenantId, customer)).hasSize(51);
    assertThat(otherNode.history(db.tenantId, customer)).hasSize(51);
    assertThat(store.status().healthy()).isTrue();
    assertThat(shared.get(5, java.util.concurrent.TimeUnit.SECONDS)).as("Redis replied").isTrue();
  }

  @Test
  void shouldKeepAnAppendThatRedisFailedToRunAndReplayItOnRecovery() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    FailoverContactHistoryStore store = node(redis, meters);
    db.insertInteraction(customer, "impression", "gold-card", now.minus(Duration.ofDays(1)));
    assertThat(store.history(db.tenantId, customer)).hasSize(1);

    pause(redis, 1_500);

    timed(
        () -> {
          store.append(db.tenantId, customer, List.of(decision("during-pause", now)));
          return null;
        });
    awaitTrue(() -> !store.status().healthy(), Duration.ofSeconds(2));
    assertThat(store.history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly("during-pause", "gold-card");

    awaitTrue(() -> store.status().healthy(), Duration.ofSeconds(6));
    FailoverContactHistoryStore otherNode =
        node(redis, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    // The timed-out command may also have run when Redis resumed: still one entry.
    assertThat(otherNode.history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly("during-pause", "gold-card");
  }

  /** A node closed during an outage, before its probe found Redis back, sends what it buffered. */
  @Test
  void shouldSendWhatItBufferedDuringAnOutageToRedisWhenClosedBeforeItsProbeRan() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    FailoverContactHistoryStore store =
        node(
            redis,
            meters,
            FailoverContactHistoryStore.DEFAULT_MAX_REPLAY_CUSTOMERS,
            Duration.ofHours(1));
    db.insertInteraction(customer, "impression", "gold-card", now.minus(Duration.ofDays(1)));
    assertThat(store.history(db.tenantId, customer)).hasSize(1);

    pause(redis, 1_500);
    timed(() -> store.history(db.tenantId, customer)); // times out: degraded
    awaitTrue(() -> !store.status().healthy(), Duration.ofSeconds(2));
    // in memory and the replay buffer only: Redis is not asked while degraded
    store.append(db.tenantId, customer, List.of(decision("while-degraded", now)));
    Thread.sleep(1_600); // the pause is over; the probe would take an hour to notice

    store.close();

    FailoverContactHistoryStore otherNode =
        node(redis, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    assertThat(otherNode.history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly("while-degraded", "gold-card");
  }

  /**
   * A write on a connection that closes under it fails with Netty's exception, not Lettuce's: a
   * Redis failure all the same, so the entries go to the replay buffer and reach Redis on recovery
   * (they were once only kept in this node's memory, and the store stayed on the failing Redis).
   */
  @Test
  void shouldTakeAWriteFailingOnAClosedChannelForARedisFailure() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    java.util.concurrent.atomic.AtomicBoolean failWrites =
        new java.util.concurrent.atomic.AtomicBoolean();
    io.lettuce.core.resource.ClientResources resources =
        io.lettuce.core.resource.ClientResources.builder()
            .nettyCustomizer(
                new io.lettuce.core.resource.NettyCustomizer() {
                  @Override
                  public void afterChannelInitialized(io.netty.channel.Channel channel) {
                    channel
                        .pipeline()
                        .addFirst(
                            new io.netty.channel.ChannelOutboundHandlerAdapter() {
                              @Override
                              public void write(
                                  io.netty.channel.ChannelHandlerContext ctx,
                                  Object msg,
                                  io.netty.channel.ChannelPromise promise) {
                                if (failWrites.get()) {
                                  io.netty.util.ReferenceCountUtil.release(msg);
                                  promise.setFailure(
                                      new java.nio.channels.ClosedChannelException());
                                } else {
                                  ctx.write(msg, promise);
                                }
                              }
                            });
                  }
                })
            .build();
    closeAfter.add(() -> resources.shutdown().get());
    FailoverContactHistoryStore store =
        node(
            redis,
            meters,
            FailoverContactHistoryStore.DEFAULT_MAX_REPLAY_CUSTOMERS,
            Duration.ofMillis(100),
            resources);
    assertThat(store.history(db.tenantId, customer)).isEmpty();

    failWrites.set(true);
    java.util.concurrent.CompletableFuture<Boolean> shared =
        new java.util.concurrent.CompletableFuture<>();
    store.append(db.tenantId, customer, List.of(decision("closing", now)), shared);
    // degraded first, then buffered: wait for the buffer
    awaitTrue(() -> store.status().pendingReplay() == 1, Duration.ofSeconds(2));
    assertThat(store.status().healthy()).isFalse();
    assertThat(shared).isNotDone();

    failWrites.set(false);
    awaitTrue(() -> store.status().healthy(), Duration.ofSeconds(5));
    assertThat(shared.get(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(
            node(redis, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
                .history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly("closing");
  }

  /**
   * A caller whose entries the buffer drops (past its cap per customer) is told false at once, and
   * the next caller's entries, kept, are confirmed on recovery.
   */
  @Test
  void shouldTellACallerWhoseBufferedEntriesWereDroppedThatTheyAreNotShared() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    FailoverContactHistoryStore store = node(redis, meters);
    store.history(db.tenantId, customer);
    redis.stop();
    List<ContactEntry> many = new ArrayList<>();
    for (int i = 0; i <= FailoverContactHistoryStore.MAX_REPLAY_ENTRIES_PER_CUSTOMER; i++) {
      many.add(decision("many-" + i, now.minusMillis(i)));
    }
    java.util.concurrent.CompletableFuture<Boolean> dropped =
        new java.util.concurrent.CompletableFuture<>();
    store.append(db.tenantId, customer, many, dropped);
    awaitTrue(dropped::isDone, Duration.ofSeconds(2));
    assertThat(dropped).as("one of its entries dropped").isCompletedWithValue(false);
    java.util.concurrent.CompletableFuture<Boolean> kept =
        new java.util.concurrent.CompletableFuture<>();
    store.append(db.tenantId, customer, List.of(decision("kept", now.plusMillis(1))), kept);
    assertThat(kept).isNotDone();

    redis.start();
    awaitTrue(() -> store.status().healthy(), Duration.ofSeconds(5));
    assertThat(kept.get(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(meters.scrape()).contains("arbiter_contact_replay_dropped_total 2.0");
  }

  @Test
  void shouldDeleteTheRedisListsOfCustomersBeyondTheReplayBufferOnRecovery() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    FailoverContactHistoryStore store = node(redis, meters, 1);
    String other = customer + "-b";
    store.history(db.tenantId, customer);
    store.history(db.tenantId, other);
    store.append(db.tenantId, other, List.of(decision("before-pause", now.minusSeconds(5))));

    pause(redis, 1_000); // Redis keeps its data: recovery must fix stale lists
    java.util.concurrent.CompletableFuture<Boolean> bufferedShared =
        new java.util.concurrent.CompletableFuture<>();
    store.append(db.tenantId, customer, List.of(decision("buffered", now)), bufferedShared);
    // degraded first, then buffered: wait for the buffer
    awaitTrue(() -> store.status().pendingReplay() == 1, Duration.ofSeconds(2));
    Instant clickAt = now.minusSeconds(1);
    String clickId = db.insertInteraction(other, "click", "gold-card", clickAt);
    java.util.concurrent.CompletableFuture<Boolean> clickShared =
        new java.util.concurrent.CompletableFuture<>();
    store.append(
        db.tenantId,
        other,
        List.of(
            ContactEntry.interaction(
                clickId, new ContactEvent("click", "gold-card", "cards", "web", clickAt))),
        clickShared);
    assertThat(store.status().pendingReplay()).isEqualTo(2); // one entry, one list to delete
    assertThat(clickShared).as("buffered: not in Redis yet").isNotDone();

    awaitTrue(() -> store.status().healthy(), Duration.ofSeconds(6));
    // Told once the recovery sent the entry, or deleted the list (which then loads the click)
    assertThat(bufferedShared).isCompletedWithValue(true);
    assertThat(clickShared).isCompletedWithValue(true);

    FailoverContactHistoryStore otherNode =
        node(redis, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    assertThat(otherNode.history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly("buffered");
    // Reloaded from PostgreSQL: the click counts, the decision entry kept in Redis is gone.
    assertThat(otherNode.history(db.tenantId, other))
        .extracting(ContactEvent::outcome)
        .containsExactly("click");
    assertThat(meters.scrape()).contains("arbiter_contact_replay_dropped_total 0.0");
  }

  @Test
  void shouldStartDegradedWhenRedisIsDownAtStartAndRecoverWhenItComes() throws Exception {
    DedicatedRedis redis = dedicatedRedis();
    redis.stop();
    db.insertInteraction(customer, "impression", "gold-card", now.minus(Duration.ofDays(1)));

    long start = System.nanoTime();
    FailoverContactHistoryStore store = node(redis, meters);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));

    assertThat(store.status().mode()).isEqualTo(ContactHistoryStatus.MODE_IN_PROCESS);
    assertThat(store.status().healthy()).isFalse();
    assertThat(timed(() -> store.history(db.tenantId, customer))).hasSize(1);

    redis.start();
    awaitTrue(() -> store.status().healthy(), Duration.ofSeconds(5));
    assertThat(store.history(db.tenantId, customer)).hasSize(1);
    assertThat(meters.scrape())
        .contains("arbiter_contact_history_requests_total{result=\"miss\"} 2.0");
  }

  @Test
  void shouldKeepHistoriesInProcessAndReportItHealthyWhenRedisIsNotConfigured() {
    FailoverContactHistoryStore store = node(null, meters);
    db.insertInteraction(customer, "impression", "gold-card", now.minus(Duration.ofDays(1)));

    java.util.concurrent.CompletableFuture<Boolean> shared =
        new java.util.concurrent.CompletableFuture<>();
    store.append(db.tenantId, customer, List.of(decision("gold-card", now)), shared);

    assertThat(shared).as("no list shared by other nodes").isCompletedWithValue(false);
    assertThat(store.history(db.tenantId, customer)).hasSize(2);
    assertThat(store.status())
        .extracting(s -> s.mode(), s -> s.healthy(), s -> s.configured(), s -> s.lastError())
        .containsExactly(ContactHistoryStatus.MODE_IN_PROCESS, true, false, null);
    assertThat(meters.scrape()).contains("arbiter_contact_degraded 0.0");
  }

  @Test
  void shouldRemoveItsMetersWhenClosed() {
    FailoverContactHistoryStore store = node(null, meters);
    store.close();

    assertThat(meters.getMeters()).isEmpty();
  }

  private static ContactEntry decision(String offerKey, Instant at) {
    return ContactEntry.decision(new ContactEvent("decision", offerKey, "cards", "web", at));
  }

  /** Makes Redis keep its data and accept commands but answer none for {@code millis}. */
  private void pause(DedicatedRedis redis, long millis) {
    RedisClient client = RedisClient.create(redis.uri());
    StatefulRedisConnection<String, String> admin = client.connect();
    closeAfter.add(client::shutdown);
    closeAfter.add(admin);
    admin.sync().clientPause(millis);
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
