package dev.arbiter.contact;

import dev.arbiter.engine.policy.ContactEvent;
import io.lettuce.core.RedisException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The contact history store the server uses: Redis when configured, process memory otherwise or
 * while Redis is unreachable. Never waits on Redis longer than its command timeout.
 *
 * <p>The first Redis failure of a call (error, timeout, lost connection) answers that call from the
 * in-process store and marks the store degraded; no call touches Redis until a probe's {@code PING}
 * (every probe interval, reconnecting if needed) succeeds. The in-process store is emptied at each
 * switch, so while degraded every customer's history is loaded afresh from PostgreSQL: all
 * interactions are counted, but {@code decision} entries recorded in Redis before the outage are
 * not seen until it ends. Entries appended while degraded are also kept in a replay buffer and
 * written to Redis on recovery, so other nodes and later calls see what was recorded during the
 * outage; replaying twice is harmless (entries are merged by id). The buffer holds at most {@code
 * maxReplayCustomers} customers; the lists of customers beyond it are deleted from Redis on
 * recovery instead (their interactions load again from PostgreSQL, their decision entries are
 * lost), and only when ten times that many customers were touched are entries dropped without trace
 * (counted in {@code arbiter.contact.replay.dropped}). Recovery then returns calls to Redis.
 *
 * <p>Metrics: those of {@link ContactHistoryMetrics}, plus the gauge {@code
 * arbiter.contact.degraded} (1 while a configured Redis is unreachable). PostgreSQL failures are
 * not Redis failures: they propagate to the caller and leave the mode unchanged. Thread-safe.
 * {@link #close()} stops the probe, closes the Redis store and removes the meters.
 */
public final class FailoverContactHistoryStore implements ContactHistoryStore, AutoCloseable {
  public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(1);
  public static final int DEFAULT_MAX_REPLAY_CUSTOMERS = 50_000;
  static final int MAX_REPLAY_ENTRIES_PER_CUSTOMER = 10_000;

  private static final Logger log = LoggerFactory.getLogger(FailoverContactHistoryStore.class);

  private final RedisContactHistoryStore redis;
  private final LocalContactHistoryStore local;
  private final ContactHistoryMetrics metrics;
  private final MeterRegistry meters;
  private final Clock clock;
  private final int maxReplayCustomers;
  private final Gauge degradedGauge;
  private final ScheduledExecutorService probe;
  // Guarded by this: the mode switch and the buffer change together, so no degraded-mode append
  // lands in the buffer after the recovery took its last batch.
  private final Map<String, Pending> replay = new LinkedHashMap<>();
  private final Map<String, Pending> forget = new LinkedHashMap<>();
  // Guarded by this: the confirms the buffer holds, at most MAX_HELD_CONFIRMS (each keeps a future
  // and its entries, so a long outage's Responds cannot grow the heap without bound); up to twice
  // that are alive while a recovery replays what it drained.
  private int heldConfirms;

  /**
   * The most callers of an outage a store tells when their entries reached Redis; later ones are
   * told false at once (their interactions' rows are left to {@link ContactSharing}'s reconciler).
   */
  static final int MAX_HELD_CONFIRMS = 100_000;

  /** The longest {@link #close()} spends sending what it buffered during an outage. */
  static final Duration REPLAY_ON_CLOSE_BUDGET = Duration.ofSeconds(5);

  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();
  private volatile State state;

  /**
   * The mode and its health; {@code epoch} moves on at every switch between Redis and process
   * memory (in the same write as {@code degraded}), so a decision read from one is never appended
   * conditionally to the other ({@link ContactHistory#epoch()}).
   */
  private record State(boolean degraded, String lastError, Instant since, long epoch) {}

  /**
   * Entries to write to Redis, or (entries null) a list to delete there; {@code confirms} are told
   * once that is done.
   */
  private record Pending(
      String tenantId, String customerId, List<ContactEntry> entries, List<Confirm> confirms) {}

  /**
   * A caller waiting to learn whether its entries reached Redis ({@link #append(String, String,
   * List, CompletableFuture)}) while they wait in the replay buffer.
   */
  private record Confirm(List<ContactEntry> entries, CompletableFuture<Boolean> shared) {}

  /**
   * A store on Redis when {@code redis} is given, in process memory only when it is null.
   *
   * <p>With Redis, connects and pings once before returning (at most the 1 s connect timeout and
   * twice the command timeout); if that fails it starts degraded and the probe keeps trying.
   *
   * @param redis the shared store, or null when Redis is not configured; closed by {@link #close()}
   * @param local the fallback, also the only store when {@code redis} is null
   * @param metrics the meters {@code redis} and {@code local} were built with; closed by {@link
   *     #close()}
   * @param meters the registry {@code metrics} is on, for the degraded gauge
   * @param clock time for {@link #status()}
   * @param probeInterval how often a degraded store pings Redis
   * @param maxReplayCustomers customers whose outage appends are kept for replay
   */
  public FailoverContactHistoryStore(
      RedisContactHistoryStore redis,
      LocalContactHistoryStore local,
      ContactHistoryMetrics metrics,
      MeterRegistry meters,
      Clock clock,
      Duration probeInterval,
      int maxReplayCustomers) {
    this.redis = redis;
    this.local = Objects.requireNonNull(local, "local");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.meters = Objects.requireNonNull(meters, "meters");
    this.clock = Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(probeInterval, "probeInterval");
    this.maxReplayCustomers = maxReplayCustomers;
    this.state = new State(false, null, clock.instant(), 0);
    this.degradedGauge =
        Gauge.builder("arbiter.contact.degraded", this, s -> s.state.degraded() ? 1 : 0)
            .description("1 while the configured Redis is unreachable and histories are per node")
            .register(meters);
    if (redis == null) {
      this.probe = null;
      return;
    }
    try {
      redis.ping();
    } catch (RedisException e) {
      degrade(e);
    }
    this.probe =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "arbiter-contact-redis-probe");
              thread.setDaemon(true);
              return thread;
            });
    long millis = Math.max(1, probeInterval.toMillis());
    probe.scheduleWithFixedDelay(this::probeOnce, millis, millis, TimeUnit.MILLISECONDS);
  }

  /**
   * A store as above, probing every {@link #DEFAULT_PROBE_INTERVAL} and replaying up to {@link
   * #DEFAULT_MAX_REPLAY_CUSTOMERS} customers.
   */
  public FailoverContactHistoryStore(
      RedisContactHistoryStore redis,
      LocalContactHistoryStore local,
      ContactHistoryMetrics metrics,
      MeterRegistry meters,
      Clock clock) {
    this(
        redis, local, metrics, meters, clock, DEFAULT_PROBE_INTERVAL, DEFAULT_MAX_REPLAY_CUSTOMERS);
  }

  @Override
  public List<ContactEvent> history(String tenantId, String customerId) {
    return read(tenantId, customerId).events();
  }

  @Override
  public ContactHistory read(String tenantId, String customerId) {
    // the mode before the read: a switch during it makes the conditional append fail
    State at = state;
    ContactHistory read = null;
    if (redis != null && !at.degraded()) {
      try {
        read = redis.read(tenantId, customerId);
      } catch (RedisException e) {
        metrics.redisErrors.increment();
        degrade(e);
      }
    }
    if (read == null) {
      read = local.read(tenantId, customerId);
    }
    return new ContactHistory(read.events(), read.version(), at.epoch());
  }

  /**
   * {@inheritDoc}
   *
   * <p>On Redis this waits for Redis's reply (Redis's check is what holds across nodes); a Redis
   * failure degrades the store and answers false, so the caller decides again on what process
   * memory and PostgreSQL hold. While degraded, the check is made on process memory (this node's
   * decisions only, as every count then is) and the entries also go to the replay buffer, as {@link
   * #append} would put them. False, too, whenever the store switched modes since {@code read}.
   */
  @Override
  public boolean appendDecisions(
      String tenantId, String customerId, List<ContactEntry> entries, ContactHistory read) {
    if (entries.isEmpty()) {
      return true;
    }
    if (redis == null) {
      return local.appendDecisions(tenantId, customerId, entries, read);
    }
    State now = state;
    if (read.epoch() != now.epoch()) {
      return false;
    }
    if (!now.degraded()) {
      try {
        // A command that timed out before a switch may still run: if the store switched while
        // this one ran, a decision in memory may have passed meanwhile, so decide again (the
        // entries stay in Redis, which errs towards contacting less).
        return redis.appendDecisions(tenantId, customerId, entries, read)
            && state.epoch() == read.epoch();
      } catch (RedisException e) {
        // The command may have run: the entries then count once more than they should, which
        // errs towards contacting less.
        metrics.redisErrors.increment();
        degrade(e);
        return false;
      }
    }
    synchronized (this) {
      if (!state.degraded() || read.epoch() != state.epoch()) {
        return false;
      }
      if (!local.appendDecisions(tenantId, customerId, entries, read)) {
        return false;
      }
      buffer(tenantId, customerId, entries, List.of());
      return true;
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>On Redis this does not wait for the reply (a Recommend waits on Redis once, for {@link
   * #history}): the entries are sent on the store's one connection, so this node's next {@link
   * #history} sees them. If Redis then fails the command, the store degrades and the entries go to
   * the in-process store and the replay buffer, as if Redis had been down from the start.
   */
  @Override
  public void append(String tenantId, String customerId, List<ContactEntry> entries) {
    append(tenantId, customerId, entries, null);
  }

  /**
   * Appends as {@link #append(String, String, List)} does, and tells whether Redis has the entries:
   * {@code shared} completes with true once Redis acknowledged them, at once or, when they went to
   * the replay buffer during an outage, once the recovery sent them (or deleted the customer's
   * list, which then loads from PostgreSQL); with false when Redis is not configured, the buffer
   * dropped them (its caps), {@link #MAX_HELD_CONFIRMS} callers already wait (the entries are still
   * buffered and sent), or the append failed otherwise than by Redis failing; never if the node
   * stops with them still buffered. Never exceptionally.
   */
  public void append(
      String tenantId,
      String customerId,
      List<ContactEntry> entries,
      CompletableFuture<Boolean> shared) {
    if (entries.isEmpty()) {
      complete(shared, true);
      return;
    }
    if (redis != null && !state.degraded()) {
      try {
        redis
            .appendAsync(tenantId, customerId, entries)
            .whenComplete(
                (ok, failure) -> {
                  if (failure == null) {
                    complete(shared, true);
                  } else {
                    redisFailed(
                        RedisContactHistoryStore.unwrap(failure),
                        tenantId,
                        customerId,
                        entries,
                        shared);
                  }
                });
        return;
      } catch (RedisException e) {
        redisFailed(e, tenantId, customerId, entries, shared);
        return;
      }
    }
    appendWithoutRedis(tenantId, customerId, entries, shared);
  }

  private static void complete(CompletableFuture<Boolean> shared, boolean value) {
    if (shared != null) {
      shared.complete(value);
    }
  }

  /**
   * Appends to Redis only, waiting for its reply: for entries that must reach the shared lists and
   * are kept elsewhere until they do ({@link ContactSharing}). Nothing goes to process memory or
   * the replay buffer.
   *
   * @return true when Redis has them; false when Redis is not configured or not in use now (a
   *     failure of this command also makes the store degraded, as any Redis failure does)
   */
  public boolean appendToRedis(String tenantId, String customerId, List<ContactEntry> entries) {
    if (!redisInUse()) {
      return false;
    }
    try {
      redis.append(tenantId, customerId, entries);
      return true;
    } catch (RedisException e) {
      metrics.redisErrors.increment();
      degrade(e);
      return false;
    }
  }

  /** Whether lists are on Redis now: configured and reachable. */
  public boolean redisInUse() {
    return redis != null && !state.degraded();
  }

  private void redisFailed(
      Throwable failure,
      String tenantId,
      String customerId,
      List<ContactEntry> entries,
      CompletableFuture<Boolean> shared) {
    if (!(failure instanceof RedisException e)) {
      log.error("Contact history append failed unexpectedly; entries kept in process", failure);
      local.append(tenantId, customerId, entries);
      complete(shared, false);
      return;
    }
    // The command may have run before the timeout; replaying it is harmless (merge by id).
    metrics.redisErrors.increment();
    degrade(e);
    appendWithoutRedis(tenantId, customerId, entries, shared);
  }

  private void appendWithoutRedis(
      String tenantId,
      String customerId,
      List<ContactEntry> entries,
      CompletableFuture<Boolean> shared) {
    if (redis == null) {
      // Nothing to replay, no mode to switch: no lock, which every Recommend would contend for.
      local.append(tenantId, customerId, entries);
      complete(shared, false);
      return;
    }
    synchronized (this) {
      if (state.degraded()) {
        // shared completes once the replay has sent the entries (or false if they are dropped)
        buffer(
            tenantId,
            customerId,
            entries,
            shared == null ? List.of() : List.of(new Confirm(entries, shared)));
        local.append(tenantId, customerId, entries);
        return;
      }
    }
    // Recovered between the check and the lock: Redis again (a failure now degrades once more).
    append(tenantId, customerId, entries, shared);
  }

  /**
   * The Redis store, or null when Redis is not configured (lists are then per node); for health
   * probes and {@link ContactSharing}.
   */
  public RedisContactHistoryStore redis() {
    return redis;
  }

  /** Where lists are kept now and whether that is by choice or by failure. */
  public ContactHistoryStatus status() {
    State current = state;
    int pending;
    synchronized (this) {
      pending = replay.values().stream().mapToInt(p -> p.entries().size()).sum() + forget.size();
    }
    boolean onRedis = redis != null && !current.degraded();
    return new ContactHistoryStatus(
        onRedis ? ContactHistoryStatus.MODE_REDIS : ContactHistoryStatus.MODE_IN_PROCESS,
        !current.degraded(),
        redis != null,
        current.lastError(),
        current.since(),
        pending);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (probe != null) {
      probe.shutdownNow();
      try {
        probe.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (redis != null) {
      if (state.degraded()) {
        replayOnClose();
      }
      redis.close();
    }
    meters.remove(degradedGauge);
    metrics.close();
  }

  /**
   * Closing during an outage: what was appended here meanwhile goes to Redis if Redis answers now,
   * as the probe would have sent it; otherwise it is logged. Interactions among what is left reach
   * the shared lists anyway ({@link ContactSharing}'s reconciler, from their rows); decision
   * entries and list deletions are lost (a list not deleted goes on without what was recorded here
   * until it expires or is loaded again from PostgreSQL).
   */
  private void replayOnClose() {
    try {
      redis.ping();
      replayAll(drain(false), System.nanoTime() + REPLAY_ON_CLOSE_BUDGET.toNanos());
    } catch (RuntimeException e) {
      // the buffer keeps what was not sent; counted below
    }
    int left;
    synchronized (this) {
      left = replay.values().stream().mapToInt(p -> p.entries().size()).sum() + forget.size();
    }
    if (left > 0) {
      log.error(
          "Closing while Redis is unreachable: {} contact-history entries and list deletions made"
              + " here during the outage are not in Redis; with Redis back, the reconciler of any"
              + " node adds the interactions among them, while the decision entries are lost",
          left);
    }
  }

  /** One probe tick; package-private so tests can drive recovery without waiting. */
  void probeOnce() {
    if (!state.degraded()) {
      return;
    }
    try {
      Duration latency = redis.ping();
      // Replay what is buffered while still degraded (appends keep landing in the buffer), then
      // switch and replay the remainder taken under the lock.
      replayAll(drain(false), Long.MAX_VALUE);
      replayAll(drain(true), Long.MAX_VALUE);
      log.info(
          "Contact history back on Redis at {} (PING {} ms); histories are shared across nodes"
              + " again",
          redis.target(),
          latency.toMillis());
    } catch (RedisException e) {
      synchronized (this) {
        state = new State(true, describe(e), state.since(), state.epoch());
      }
    } catch (RuntimeException | Error e) {
      log.error("Contact history Redis probe failed unexpectedly", e);
    }
  }

  private synchronized List<Pending> drain(boolean recover) {
    List<Pending> batch = new ArrayList<>(forget.values());
    batch.addAll(replay.values());
    forget.clear();
    replay.clear();
    heldConfirms = 0; // the batch's, told by the replay or held again by rebuffer
    if (recover) {
      // Memory goes stale while Redis is in use; the next outage must start from PostgreSQL.
      local.clear();
      state = new State(false, state.lastError(), clock.instant(), state.epoch() + 1);
    }
    return batch;
  }

  /**
   * Sends {@code batch} to Redis; what a Redis failure, or {@code deadline} ({@link
   * System#nanoTime()}), leaves unsent goes back to the buffer.
   */
  private void replayAll(List<Pending> batch, long deadline) {
    for (int i = 0; i < batch.size(); i++) {
      Pending p = batch.get(i);
      if (deadline != Long.MAX_VALUE && System.nanoTime() - deadline > 0) {
        rebuffer(batch.subList(i, batch.size()));
        return;
      }
      try {
        if (p.entries() == null) {
          redis.forget(p.tenantId(), p.customerId());
        } else {
          redis.append(p.tenantId(), p.customerId(), p.entries());
        }
      } catch (RedisException e) {
        rebuffer(batch.subList(i, batch.size()));
        degrade(e);
        throw e;
      }
      confirmSent(p);
    }
  }

  /**
   * Tells the callers waiting on {@code p} that their entries are shared: written to Redis, or (a
   * deleted list) to be loaded from PostgreSQL, which holds every interaction, on the next read.
   * Entries the buffer dropped to stay within its cap were not sent.
   */
  private static void confirmSent(Pending p) {
    if (p.confirms().isEmpty()) {
      return;
    }
    Set<ContactEntry> sent = null;
    if (p.entries() != null) {
      sent = Collections.newSetFromMap(new IdentityHashMap<>());
      sent.addAll(p.entries());
    }
    for (Confirm c : p.confirms()) {
      c.shared().complete(sent == null || sent.containsAll(c.entries()));
    }
  }

  private synchronized void rebuffer(List<Pending> rest) {
    for (Pending p : rest) {
      if (p.entries() == null) {
        forget
            .computeIfAbsent(
                p.tenantId() + ':' + p.customerId(),
                k -> new Pending(p.tenantId(), p.customerId(), null, new ArrayList<>()))
            .confirms()
            .addAll(hold(p.confirms(), false));
      } else {
        buffer(p.tenantId(), p.customerId(), p.entries(), p.confirms());
      }
    }
  }

  // Caller holds the lock.
  private void buffer(
      String tenantId, String customerId, List<ContactEntry> entries, List<Confirm> confirms) {
    String key = tenantId + ':' + customerId;
    Pending pending = replay.get(key);
    if (pending == null) {
      if (replay.size() >= maxReplayCustomers) {
        if (forget.size() < 10L * maxReplayCustomers) {
          forget
              .computeIfAbsent(key, k -> new Pending(tenantId, customerId, null, new ArrayList<>()))
              .confirms()
              .addAll(hold(confirms, false));
        } else {
          metrics.replayDropped.increment(entries.size());
          confirms.forEach(c -> c.shared().complete(false));
        }
        return;
      }
      pending = new Pending(tenantId, customerId, new ArrayList<>(), new ArrayList<>());
      replay.put(key, pending);
    }
    pending.entries().addAll(entries);
    pending.confirms().addAll(hold(confirms, true));
    int excess = pending.entries().size() - MAX_REPLAY_ENTRIES_PER_CUSTOMER;
    if (excess > 0) {
      List<ContactEntry> trimmed = pending.entries().subList(0, excess);
      // Confirms are in the order of their entries, so those that lose an entry lead the list.
      Set<ContactEntry> gone = Collections.newSetFromMap(new IdentityHashMap<>());
      gone.addAll(trimmed);
      List<Confirm> waiting = pending.confirms();
      int told = 0;
      while (told < waiting.size()
          && waiting.get(told).entries().stream().anyMatch(gone::contains)) {
        waiting.get(told++).shared().complete(false);
      }
      waiting.subList(0, told).clear();
      heldConfirms -= told;
      trimmed.clear();
      metrics.replayDropped.increment(excess);
    }
  }

  /**
   * The confirms the buffer takes (caller holds the lock): up to {@link #MAX_HELD_CONFIRMS} held in
   * all, the rest told false at once. Those of a list to delete keep no entries: the deletion
   * shares them all.
   */
  private List<Confirm> hold(List<Confirm> confirms, boolean withEntries) {
    if (confirms.isEmpty()) {
      return confirms;
    }
    List<Confirm> held = new ArrayList<>(confirms.size());
    for (Confirm c : confirms) {
      if (heldConfirms >= MAX_HELD_CONFIRMS) {
        c.shared().complete(false);
      } else {
        heldConfirms++;
        held.add(withEntries ? c : new Confirm(List.of(), c.shared()));
      }
    }
    return held;
  }

  private void degrade(RedisException e) {
    String error = describe(e);
    synchronized (this) {
      if (state.degraded()) {
        state = new State(true, error, state.since(), state.epoch());
        return;
      }
      // Lists held from an earlier outage miss what was appended to Redis since: start afresh.
      local.clear();
      state = new State(true, error, clock.instant(), state.epoch() + 1);
    }
    log.warn(
        "Contact history cannot use Redis at {} ({}); answering from process memory and"
            + " PostgreSQL until Redis is back: decisions recorded in Redis are not counted"
            + " meanwhile",
        redis.target(),
        error);
  }

  private static String describe(RuntimeException e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
