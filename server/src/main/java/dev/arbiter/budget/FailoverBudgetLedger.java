package dev.arbiter.budget;

import dev.arbiter.engine.catalog.Budget;
import dev.arbiter.engine.catalog.BudgetPeriod;
import dev.arbiter.engine.pipeline.BudgetUsage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The budget ledger the server uses: counters in Redis when configured, in process memory
 * otherwise, written behind to PostgreSQL and seeded from it.
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li><b>With Redis, exact across nodes.</b> Every check-and-add is one atomic script in Redis,
 *       so all nodes together never exceed {@code maxDecisions} or {@code maxCost}.
 *   <li><b>Without Redis, exact per node.</b> Each node counts in its own memory; N nodes may
 *       together spend up to N times a budget (each seeds a counter from PostgreSQL once).
 *   <li><b>Durable to within one flush.</b> Every counter this node changed is upserted to {@code
 *       budget_counters} in one batch every flush interval (default 1 s) and on {@link #close()},
 *       taking the greater of stored and new value, so nodes never move a counter backwards. A
 *       counter Redis or memory lacks is seeded from there on first use, raised to the last value
 *       this node saw, with one read (never a write) to PostgreSQL on the request path; the counter
 *       then exists in Redis or memory, which is the cache that it was seeded.
 *   <li><b>What a crash can lose.</b> A restart of Arbiter loses nothing while Redis keeps its data
 *       (Redis is the truth, PostgreSQL only seeds missing counters). Consumption still only in
 *       memory or in a Redis without persistence when it is lost, that is, at most the last flush
 *       interval's (plus any period the database was unwritable, see {@link
 *       BudgetLedgerStatus#lastFlushError()}), is not counted again: a budget can then be exceeded
 *       by at most what was spent in that interval. A clean {@link #close()} loses nothing. What
 *       this node counts during a Redis outage is added to Redis when the probe finds it back, or
 *       at close if Redis answers then; until then it is also written to {@code
 *       budget_outage_additions} at every flush and on close: if the node stops or crashes before
 *       Redis is back, a node on Redis adds those rows to Redis's counters once they have gone
 *       unchanged for {@link Settings#abandonedAfterAtLeast()} (a crash loses only the last flush
 *       interval's). Cost charged during the outage ({@link #addSpent}) is the exception: it is
 *       added to Redis when the probe finds it back, but neither written to {@code
 *       budget_outage_additions} nor added at close, since its {@code uncounted_charges} row is its
 *       record and the charge reconciler counts it from there (see {@link #outageCharges}).
 *   <li><b>Redis down.</b> The first failing call (error, command timeout, lost connection) is
 *       answered without Redis and marks the ledger degraded; no call waits on Redis longer than
 *       its command timeout, and while degraded no call touches Redis. A probe pings every probe
 *       interval (default 1 s); on success, what this node counted during the outage is added to
 *       Redis (or sets a counter Redis lost), and calls return to Redis. Meanwhile the {@link
 *       BudgetOutagePolicy} decides: count in memory (default) or refuse budgeted offers (but still
 *       count spent cost). A check-and-add that timed out may still run in Redis later; it is then
 *       counted twice (in Redis and in the outage additions). That errs on the safe side and
 *       affects at most the calls in flight when Redis stopped answering.
 *   <li><b>PostgreSQL down.</b> Flushes keep their counters and retry; a counter that must be
 *       seeded cannot be, so {@link #tryConsume} refuses it (fail closed) and {@link #usage}
 *       reports the last value this node saw, or zero. After a failed seeding read the next
 *       second's seeds fail at once instead of each waiting for the database.
 * </ul>
 *
 * <p>Metrics on the given registry: {@code arbiter.budget.consumed{outcome=accepted|exhausted|
 * unavailable, backend=redis|local}} for decisions ({@code unavailable}: refused because the
 * counter could not be known or the outage policy refuses), {@code
 * arbiter.budget.charged{outcome=accepted|unavailable, backend}} for Respond's spent cost ({@code
 * unavailable}: its counter could not be known), {@code arbiter.budget.redis.errors}, {@code
 * arbiter.budget.seed.failures}, {@code arbiter.budget.flush.failures}, {@code
 * arbiter.budget.outage.abandoned.added}, gauges {@code arbiter.budget.degraded} and {@code
 * arbiter.budget.flush.pending}. No tenant, offer or customer tags. Thread-safe. {@link #close()}
 * stops the background work, flushes, and closes Redis.
 */
public final class FailoverBudgetLedger implements BudgetLedger, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FailoverBudgetLedger.class);
  private static final Duration SEED_RETRY_AFTER = Duration.ofSeconds(1);

  /**
   * Timings and outage behaviour.
   *
   * @param flushInterval how often changed counters are written to PostgreSQL
   * @param probeInterval how often a degraded ledger pings Redis
   * @param onOutage what budgeted offers get while Redis is down
   */
  public record Settings(
      Duration flushInterval,
      Duration probeInterval,
      BudgetOutagePolicy onOutage,
      Duration abandonedAfter) {
    /** Flush and probe every second; count locally during an outage. */
    public static final Settings DEFAULTS =
        new Settings(
            Duration.ofSeconds(1), Duration.ofSeconds(1), BudgetOutagePolicy.COUNT_LOCALLY);

    /**
     * @param abandonedAfter how long another node's outage additions go without being rewritten
     *     before this node takes them as left behind (at least three flush intervals are used)
     */
    public Settings {
      Objects.requireNonNull(flushInterval, "flushInterval");
      Objects.requireNonNull(probeInterval, "probeInterval");
      Objects.requireNonNull(onOutage, "onOutage");
      Objects.requireNonNull(abandonedAfter, "abandonedAfter");
    }

    /** Outage additions left behind are taken after a minute. */
    public Settings(Duration flushInterval, Duration probeInterval, BudgetOutagePolicy onOutage) {
      this(flushInterval, probeInterval, onOutage, Duration.ofMinutes(1));
    }

    /** These timings with another outage policy. */
    public Settings withOnOutage(BudgetOutagePolicy policy) {
      return new Settings(flushInterval, probeInterval, policy, abandonedAfter);
    }

    /** How old other nodes' outage additions must be before this node takes them. */
    Duration abandonedAfterAtLeast() {
      Duration floor = flushInterval.multipliedBy(3);
      return abandonedAfter.compareTo(floor) > 0 ? abandonedAfter : floor;
    }
  }

  private final RedisBudgetLedger redis;
  private final LocalBudgetLedger local;
  private final BudgetCounterStore store;
  private final MeterRegistry meters;
  private final Clock clock;
  private final Settings settings;

  /** Changed here, not yet in PostgreSQL: the newest value seen per counter. */
  private final ConcurrentHashMap<BudgetCounterKey, BudgetCount> unflushed =
      new ConcurrentHashMap<>();

  /** The newest value this node saw per counter, from Redis or memory: a floor for seeding. */
  private final ConcurrentHashMap<BudgetCounterKey, BudgetCount> lastSeen =
      new ConcurrentHashMap<>();

  /** Added in memory while Redis was down, not yet added to Redis. */
  private final ConcurrentHashMap<BudgetCounterKey, BudgetCount> outageAdditions =
      new ConcurrentHashMap<>();

  /**
   * Cost charged ({@link #addSpent}) in memory while Redis was down, not yet added to Redis. Kept
   * apart from {@link #outageAdditions}: a charge's durable record is its {@code uncounted_charges}
   * row, which stays until {@link #flush} says the charge is in Redis, and which the charge
   * reconciler counts if this node stops first; writing it to {@code budget_outage_additions} too
   * made a node stopped during an outage have it counted twice (by a node adding its rows, and by
   * the reconciler). Added to Redis on recovery, never on {@link #close} (the reconciler does it).
   */
  private final ConcurrentHashMap<BudgetCounterKey, BudgetCount> outageCharges =
      new ConcurrentHashMap<>();

  private final ScheduledExecutorService background;

  /** Decisions' check-and-adds ({@code arbiter.budget.consumed}). */
  private final Outcomes decisions;

  /** Respond's charges of spent cost ({@code arbiter.budget.charged}). */
  private final Outcomes charges;

  private final Counter redisErrors;
  private final Counter seedFailures;
  private final Counter flushFailures;
  private final Counter outageTaken;
  private final Gauge degradedGauge;
  private final Gauge pendingGauge;
  private final Object flushLock = new Object();
  private final Object drainLock = new Object();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile State state;
  private volatile String lastFlushError;
  private volatile long seedRetryAt = System.nanoTime();

  /** This process's name for its rows of outage additions in PostgreSQL. */
  private final String nodeId = java.util.UUID.randomUUID().toString();

  // what this node last wrote to budget_outage_additions (under drainLock)
  private Map<BudgetCounterKey, BudgetCount> outageSaved = Map.of();
  // why the last write of this node's outage additions failed, or null (under drainLock)
  private String outageStoreError;
  // when to look next for outage additions that stopped nodes left (flush thread only)
  private long nextAbandonedCheck = System.nanoTime();

  private record State(boolean degraded, String lastError, Instant since) {}

  /**
   * A ledger on Redis when {@code redis} is given, in process memory when it is null.
   *
   * <p>With Redis, connects and pings once before returning (at most the 1 s connect timeout and
   * twice the command timeout); if that fails it starts degraded and the probe keeps trying.
   *
   * @param redis the shared counters, or null when {@code REDIS_URL} is not configured; closed by
   *     {@link #close()}
   * @param local the in-process counters: the only ones without Redis, the fallback with it
   * @param store the durable copy (PostgreSQL)
   * @param meters where the metrics go; removed again by {@link #close()}
   * @param clock time for status, {@code updated_at} and forgetting past days
   * @param settings intervals and the outage policy
   */
  public FailoverBudgetLedger(
      RedisBudgetLedger redis,
      LocalBudgetLedger local,
      BudgetCounterStore store,
      MeterRegistry meters,
      Clock clock,
      Settings settings) {
    this.redis = redis;
    this.local = Objects.requireNonNull(local, "local");
    this.store = Objects.requireNonNull(store, "store");
    this.meters = Objects.requireNonNull(meters, "meters");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.state = new State(false, null, clock.instant());
    this.decisions =
        Outcomes.of(
            meters,
            "arbiter.budget.consumed",
            "Budget check-and-adds by outcome and by the backend");
    this.charges =
        Outcomes.of(
            meters,
            "arbiter.budget.charged",
            "Spent cost added to budget counters (accepted), or not (unavailable: its counter could"
                + " not be known; the reconciler counts it later), by backend");
    this.redisErrors =
        Counter.builder("arbiter.budget.redis.errors")
            .description("Budget calls that Redis failed to answer (then answered without it)")
            .register(meters);
    this.seedFailures =
        Counter.builder("arbiter.budget.seed.failures")
            .description("Budget counters that could not be seeded from PostgreSQL")
            .register(meters);
    this.flushFailures =
        Counter.builder("arbiter.budget.flush.failures")
            .description("Failed writes of budget counters to PostgreSQL (retried)")
            .register(meters);
    this.outageTaken =
        Counter.builder("arbiter.budget.outage.abandoned.added")
            .description(
                "Counters to which this node added what a node that stopped during a Redis outage"
                    + " had counted and not added itself")
            .register(meters);
    this.degradedGauge =
        Gauge.builder("arbiter.budget.degraded", this, l -> l.state.degraded() ? 1 : 0)
            .description("1 while the configured Redis is unreachable and budgets are per node")
            .register(meters);
    this.pendingGauge =
        Gauge.builder("arbiter.budget.flush.pending", unflushed, Map::size)
            .description("Budget counters changed and not yet written to PostgreSQL")
            .register(meters);
    if (redis != null) {
      try {
        redis.ping();
      } catch (RuntimeException e) {
        degrade(e);
      }
    }
    this.background =
        Executors.newScheduledThreadPool(
            redis == null ? 1 : 2,
            r -> {
              Thread thread = new Thread(r, "arbiter-budget-ledger");
              thread.setDaemon(true);
              return thread;
            });
    long flushMillis = Math.max(1, settings.flushInterval().toMillis());
    background.scheduleWithFixedDelay(
        this::flushQuietly, flushMillis, flushMillis, TimeUnit.MILLISECONDS);
    if (redis != null) {
      long probeMillis = Math.max(1, settings.probeInterval().toMillis());
      background.scheduleWithFixedDelay(
          this::probeOnce, probeMillis, probeMillis, TimeUnit.MILLISECONDS);
    }
  }

  /** A ledger as above with {@link Settings#DEFAULTS}. */
  public FailoverBudgetLedger(
      RedisBudgetLedger redis,
      LocalBudgetLedger local,
      BudgetCounterStore store,
      MeterRegistry meters,
      Clock clock) {
    this(redis, local, store, meters, clock, Settings.DEFAULTS);
  }

  @Override
  public Map<String, BudgetUsage> usage(
      String tenantId, Map<String, BudgetPeriod> offers, LocalDate day) {
    Objects.requireNonNull(tenantId, "tenantId");
    Map<String, BudgetCounterKey> keys = new LinkedHashMap<>();
    offers.forEach(
        (offer, period) -> keys.put(offer, BudgetCounterKey.of(tenantId, offer, period, day)));
    Map<BudgetCounterKey, BudgetCount> counts = null;
    if (onRedis()) {
      try {
        counts = readRedis(List.copyOf(keys.values()));
      } catch (RuntimeException e) {
        redisErrors.increment();
        degrade(e);
      }
    }
    // what tryConsume refuses is reported unavailable, so the engine's budget stage removes it
    // (with its reason in the trace) instead of ranking it into the answer for the consume to drop
    boolean refused = false;
    if (counts == null) {
      counts = readLocal(keys.values());
      refused = redis != null && settings.onOutage() == BudgetOutagePolicy.REFUSE;
    }
    Map<String, BudgetUsage> usage = new LinkedHashMap<>();
    for (Map.Entry<String, BudgetCounterKey> e : keys.entrySet()) {
      BudgetCount count = counts.get(e.getValue());
      if (count == null) {
        // Not seeded (the store is unreadable): the last value seen here is the best guess, and
        // the offer cannot be counted until the store answers.
        count = lastSeen.getOrDefault(e.getValue(), BudgetCount.ZERO);
        usage.put(e.getKey(), count.usage().asUnavailable());
      } else {
        usage.put(e.getKey(), refused ? count.usage().asUnavailable() : count.usage());
      }
    }
    return usage;
  }

  @Override
  public boolean tryConsume(
      String tenantId, String offerKey, Budget budget, LocalDate day, long decisions, double cost) {
    Limits.checkAmounts(decisions, cost);
    BudgetCounterKey key = BudgetCounterKey.of(tenantId, offerKey, budget.period(), day);
    return consume(key, Limits.of(budget), decisions, BudgetCount.micros(cost), this.decisions);
  }

  /** Counted under any outage policy: refusing spent cost would only make the counter forget it. */
  @Override
  public boolean addSpent(
      String tenantId, String offerKey, BudgetPeriod period, LocalDate day, double cost) {
    Limits.checkAmounts(0, cost);
    BudgetCounterKey key = BudgetCounterKey.of(tenantId, offerKey, period, day);
    return consume(key, Limits.UNLIMITED, 0, BudgetCount.micros(cost), charges);
  }

  /**
   * Checks and adds, in Redis or, while it is down or not configured, in memory.
   *
   * @param counted where the outcome is counted: {@link #decisions} (refused during an outage under
   *     the {@link BudgetOutagePolicy#REFUSE} policy) or {@link #charges} (never refused)
   */
  private boolean consume(
      BudgetCounterKey key, Limits limits, long decisions, long costMicros, Outcomes counted) {
    if (onRedis()) {
      try {
        Consumption result = redis.consume(key, limits, decisions, costMicros, null);
        if (result.outcome() == Consumption.Outcome.UNSEEDED) {
          BudgetCount seed = seedOf(key);
          if (seed == null) {
            counted.redisUnavailable().increment();
            return false;
          }
          result = redis.consume(key, limits, decisions, costMicros, seed);
        }
        return recorded(key, result, counted.redisAccepted(), counted.redisExhausted());
      } catch (RuntimeException e) {
        redisErrors.increment();
        degrade(e);
      }
    }
    if (counted == this.decisions
        && redis != null
        && settings.onOutage() == BudgetOutagePolicy.REFUSE) {
      counted.localUnavailable().increment();
      return false;
    }
    Consumption result = local.consume(key, limits, decisions, costMicros, null);
    if (result.outcome() == Consumption.Outcome.UNSEEDED) {
      BudgetCount seed = seedOf(key);
      if (seed == null) {
        counted.localUnavailable().increment();
        return false;
      }
      result = local.consume(key, limits, decisions, costMicros, seed);
    }
    if (result.accepted() && redis != null) {
      (counted == charges ? outageCharges : outageAdditions)
          .merge(key, new BudgetCount(decisions, costMicros), BudgetCount::plus);
    }
    return recorded(key, result, counted.localAccepted(), counted.localExhausted());
  }

  /** Where counters are kept now and whether that is by choice or by failure. */
  public BudgetLedgerStatus status() {
    State current = state;
    boolean onRedis = redis != null && !current.degraded();
    return new BudgetLedgerStatus(
        onRedis ? BudgetLedgerStatus.MODE_REDIS : BudgetLedgerStatus.MODE_IN_PROCESS,
        !current.degraded(),
        redis != null,
        settings.onOutage(),
        current.lastError(),
        current.since(),
        unflushed.size(),
        lastFlushError);
  }

  /** The Redis ledger, or null when Redis is not configured; for health probes. */
  public RedisBudgetLedger redis() {
    return redis;
  }

  /**
   * Writes every counter changed since the last flush to the store in one batch. Runs every flush
   * interval by itself; call it to make a test or a shutdown step deterministic.
   *
   * @return whether everything was written and nothing counted during a Redis outage still waits to
   *     be added to Redis (false: kept for the next flush, a failed write counted). While Redis is
   *     down this is false even when the write succeeded: after a restart Redis, which keeps its
   *     own counters, would never learn of what this node counted meanwhile.
   */
  @Override
  public boolean flush() {
    boolean saved = save();
    synchronized (drainLock) {
      if (redis != null
          && !state.degraded()
          && !(outageAdditions.isEmpty() && outageCharges.isEmpty())) {
        // Counted in memory as Redis came back, after the probe's last drain: add them now.
        try {
          addOutageToRedisLocked(true);
        } catch (RuntimeException e) {
          redisErrors.increment();
          degrade(e);
        }
      }
      storeOutageLocked();
      return saved && outageAdditions.isEmpty() && outageCharges.isEmpty();
    }
  }

  /**
   * Writes what this node counted during an outage and has not added to Redis yet to PostgreSQL
   * ({@code budget_outage_additions}), or deletes its rows once everything is added: if the node
   * stops or crashes before Redis is back, a node on Redis adds them. Rewritten at every flush
   * during an outage, so the rows' age tells a living node's from one left behind. A row written
   * last time and gone now was taken by another node (this node's writes failed, or it stalled, for
   * longer than {@link Settings#abandonedAfterAtLeast()}), which added it to Redis: that much is
   * taken off what this node still has to add, and the rows are written again without it.
   *
   * @return whether the rows are written
   */
  private boolean storeOutageLocked() {
    if (redis == null || (outageAdditions.isEmpty() && outageSaved.isEmpty())) {
      return true;
    }
    try {
      Map<BudgetCounterKey, BudgetCount> snapshot = new HashMap<>(outageAdditions);
      Map<BudgetCounterKey, BudgetCount> before = store.replaceOutageAdditions(nodeId, snapshot);
      if (takeOffTaken(before)) {
        snapshot = new HashMap<>(outageAdditions);
        store.replaceOutageAdditions(nodeId, snapshot);
      }
      outageSaved = snapshot;
      if (outageStoreError != null) {
        log.info("What this node counted during the Redis outage is written to PostgreSQL again");
        outageStoreError = null;
      }
      return true;
    } catch (RuntimeException e) {
      flushFailures.increment();
      if (outageStoreError == null) {
        log.warn(
            "Cannot write to PostgreSQL what this node counted during the Redis outage ({});"
                + " retrying at every flush",
            describe(e));
      }
      outageStoreError = describe(e);
      return false;
    }
  }

  /** Takes off what another node took of this node's rows; whether it took any. */
  private boolean takeOffTaken(Map<BudgetCounterKey, BudgetCount> stillThere) {
    boolean taken = false;
    for (Map.Entry<BudgetCounterKey, BudgetCount> saved : outageSaved.entrySet()) {
      if (stillThere.containsKey(saved.getKey())) {
        continue;
      }
      taken = true;
      outageAdditions.computeIfPresent(
          saved.getKey(),
          (key, count) -> {
            BudgetCount left = count.minus(saved.getValue());
            return left.isZero() ? null : left;
          });
    }
    if (taken) {
      log.warn(
          "Another node added to Redis what this node had counted during the Redis outage (its"
              + " rows in budget_outage_additions had not been rewritten for {} s); not adding it"
              + " again",
          settings.abandonedAfterAtLeast().toSeconds());
    }
    return taken;
  }

  /**
   * Adds to Redis what nodes that stopped or crashed during an outage counted and could not add
   * themselves (their rows no longer rewritten for {@link Settings#abandonedAfterAtLeast()}), one
   * node at a time. A counter Redis lacks is set from PostgreSQL instead, whose stored value holds
   * at least the first node's (the next nodes' are added to it: a counter may end higher than what
   * was spent, never lower).
   */
  private void addAbandonedOutages() {
    long now = System.nanoTime();
    if (redis == null || state.degraded() || now - nextAbandonedCheck < 0) {
      return;
    }
    Duration after = settings.abandonedAfterAtLeast();
    nextAbandonedCheck = now + after.toNanos();
    try {
      int rows =
          store.takeAbandonedOutageAdditions(
              after,
              500,
              sums -> {
                Map<BudgetCounterKey, BudgetCount> ifAbsent = seedsOf(List.copyOf(sums.keySet()));
                if (ifAbsent.size() < sums.size()) {
                  throw new IllegalStateException("the stored counters could not be read");
                }
                mergeIntoRedis(sums, ifAbsent, added -> {});
                outageTaken.increment(sums.size());
              });
      if (rows > 0) {
        log.info(
            "Added to Redis what nodes that stopped during a Redis outage had counted ({} rows of"
                + " budget_outage_additions)",
            rows);
      }
    } catch (RuntimeException e) {
      log.warn(
          "Could not add the budget counts that stopped nodes left to Redis: {}; trying again in"
              + " {} s",
          describe(e),
          after.toSeconds());
    }
  }

  /** Writes the changed counters; whether all were written. */
  private boolean save() {
    // Its own lock: a slow database must never hold up degrade(), which requests call.
    synchronized (flushLock) {
      return flushLocked();
    }
  }

  private boolean flushLocked() {
    if (unflushed.isEmpty()) {
      return true;
    }
    Map<BudgetCounterKey, BudgetCount> batch = new HashMap<>(unflushed);
    try {
      store.saveMax(batch, clock.instant());
    } catch (RuntimeException e) {
      flushFailures.increment();
      String error = describe(e);
      if (lastFlushError == null) {
        log.warn(
            "Cannot write {} budget counters to PostgreSQL ({}); keeping them and retrying",
            batch.size(),
            error);
      }
      lastFlushError = error;
      return false;
    }
    // A counter changed again meanwhile stays for the next flush.
    batch.forEach(unflushed::remove);
    if (lastFlushError != null) {
      log.info("Budget counters are written to PostgreSQL again");
      lastFlushError = null;
    }
    return true;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    background.shutdownNow();
    try {
      background.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    addOutageOnClose();
    synchronized (drainLock) {
      if (!storeOutageLocked() && !outageAdditions.isEmpty()) {
        log.error(
            "Closing with what this node counted during the Redis outage ({} budget counters)"
                + " neither in Redis nor written to PostgreSQL ({}): Redis's counters will not"
                + " learn of it",
            outageAdditions.size(),
            outageStoreError);
      }
    }
    if (!save()) {
      log.error(
          "Closing with {} budget counters not written to PostgreSQL ({}); their latest"
              + " consumption is counted again from the stored values after a restart",
          unflushed.size(),
          lastFlushError);
    }
    if (redis != null) {
      redis.close();
    }
    for (Meter meter :
        List.of(
            redisErrors, seedFailures, flushFailures, outageTaken, degradedGauge, pendingGauge)) {
      meters.remove(meter);
    }
    decisions.remove(meters);
    charges.remove(meters);
  }

  /**
   * What this node counted in memory during an outage and has not added to Redis yet is added now
   * if Redis answers: otherwise the counter Redis keeps would never learn of it, as no node reads
   * PostgreSQL for a counter Redis has.
   */
  private void addOutageOnClose() {
    if (!outageCharges.isEmpty()) {
      log.info(
          "Closing with cost charged here during the Redis outage on {} budget counters not yet"
              + " in Redis: the charge reconciler counts it from its uncounted_charges rows",
          outageCharges.size());
    }
    if (redis == null || outageAdditions.isEmpty()) {
      return;
    }
    try {
      if (state.degraded()) {
        redis.ping();
      }
      addOutageToRedis(false);
    } catch (RuntimeException e) {
      long decisions = 0;
      for (BudgetCount added : outageAdditions.values()) {
        decisions += added.decisions();
      }
      log.warn(
          "Closing while Redis is unreachable ({}): {} decisions (and their cost) on {} budget"
              + " counters, counted here during the outage, are left in PostgreSQL"
              + " (budget_outage_additions) for a node on Redis to add to Redis's counters",
          describe(e),
          decisions,
          outageAdditions.size());
    }
  }

  private boolean onRedis() {
    return redis != null && !state.degraded();
  }

  private Map<BudgetCounterKey, BudgetCount> readRedis(List<BudgetCounterKey> keys) {
    Map<BudgetCounterKey, BudgetCount> counts = redis.read(keys);
    seen(counts);
    if (counts.size() < keys.size()) {
      Map<BudgetCounterKey, BudgetCount> seeds = seedsOf(missing(keys, counts));
      if (!seeds.isEmpty()) {
        Map<BudgetCounterKey, BudgetCount> zero = new HashMap<>();
        seeds.keySet().forEach(k -> zero.put(k, BudgetCount.ZERO));
        Map<BudgetCounterKey, BudgetCount> seeded = redis.merge(zero, seeds);
        seen(seeded);
        counts.putAll(seeded);
      }
    }
    return counts;
  }

  private Map<BudgetCounterKey, BudgetCount> readLocal(Collection<BudgetCounterKey> keys) {
    Map<BudgetCounterKey, BudgetCount> counts = local.read(keys);
    if (counts.size() < keys.size()) {
      Map<BudgetCounterKey, BudgetCount> seeds = seedsOf(missing(keys, counts));
      counts.putAll(local.seed(seeds));
    }
    return counts;
  }

  private static List<BudgetCounterKey> missing(
      Collection<BudgetCounterKey> keys, Map<BudgetCounterKey, BudgetCount> found) {
    List<BudgetCounterKey> missing = new ArrayList<>();
    for (BudgetCounterKey key : keys) {
      if (!found.containsKey(key)) {
        missing.add(key);
      }
    }
    return missing;
  }

  /**
   * Where absent counters start: the stored value raised to the last value seen here (newer when
   * this node's latest changes were not flushed yet). Empty when the store cannot be read.
   */
  private Map<BudgetCounterKey, BudgetCount> seedsOf(List<BudgetCounterKey> keys) {
    if (System.nanoTime() - seedRetryAt < 0) {
      // Failed a moment ago: answer at once rather than make every request wait for the database.
      seedFailures.increment(keys.size());
      return Map.of();
    }
    Map<BudgetCounterKey, BudgetCount> stored;
    try {
      stored = store.load(keys);
    } catch (RuntimeException e) {
      seedRetryAt = System.nanoTime() + SEED_RETRY_AFTER.toNanos();
      seedFailures.increment(keys.size());
      log.warn("Cannot seed {} budget counters from PostgreSQL: {}", keys.size(), describe(e));
      return Map.of();
    }
    Map<BudgetCounterKey, BudgetCount> seeds = new HashMap<>();
    for (BudgetCounterKey key : keys) {
      BudgetCount seed = stored.getOrDefault(key, BudgetCount.ZERO).max(lastSeen.get(key));
      seeds.put(key, seed.max(unflushed.get(key)));
    }
    return seeds;
  }

  private BudgetCount seedOf(BudgetCounterKey key) {
    return seedsOf(List.of(key)).get(key);
  }

  private boolean recorded(
      BudgetCounterKey key, Consumption result, Counter accepted, Counter exhausted) {
    lastSeen.merge(key, result.count(), BudgetCount::max);
    if (result.accepted()) {
      unflushed.merge(key, result.count(), BudgetCount::max);
      accepted.increment();
      return true;
    }
    exhausted.increment();
    return false;
  }

  private void seen(Map<BudgetCounterKey, BudgetCount> counts) {
    counts.forEach((key, count) -> lastSeen.merge(key, count, BudgetCount::max));
  }

  private void flushQuietly() {
    try {
      flush();
      addAbandonedOutages();
      // Daily counters expire from Redis three days after their day; forget them here as well.
      LocalDate cutoff = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).minusDays(3);
      lastSeen.keySet().removeIf(k -> k.isDayBefore(cutoff));
      local.forgetDaysBefore(cutoff);
    } catch (RuntimeException | Error e) {
      log.error("Budget counter flush failed unexpectedly", e);
    }
  }

  private void probeOnce() {
    if (!state.degraded()) {
      return;
    }
    try {
      Duration latency = redis.ping();
      // Add what was counted here before calls return to Redis, and once more afterwards for
      // consumption that was in flight on memory at the switch.
      addOutageToRedis(true);
      synchronized (this) {
        state = new State(false, state.lastError(), clock.instant());
      }
      local.clear();
      addOutageToRedis(true);
      synchronized (drainLock) {
        storeOutageLocked();
      }
      log.info(
          "Budget ledger back on Redis at {} (PING {} ms); budgets are exact across nodes again",
          redis.target(),
          latency.toMillis());
    } catch (RuntimeException e) {
      boolean backOnRedis;
      synchronized (this) {
        backOnRedis = !state.degraded();
        if (!backOnRedis) {
          state = new State(true, describe(e), state.since());
        }
      }
      if (backOnRedis) {
        // Redis failed once calls had gone back to it: an outage as any other (counted, memory
        // cleared of what was seeded since the switch, logged); its additions wait for the next.
        redisErrors.increment();
        degrade(e);
      }
    } catch (Error e) {
      log.error("Budget ledger Redis probe failed unexpectedly", e);
    }
  }

  /**
   * Adds what this node counted in memory during the outage to Redis. A counter Redis lost is set
   * to this node's in-memory value instead (it already contains the additions).
   *
   * @param withCharges whether the outage's charges go too (not on close: see {@link
   *     #outageCharges})
   */
  private void addOutageToRedis(boolean withCharges) {
    // Under its lock: flush() must not see the additions gone while they are still on their way.
    synchronized (drainLock) {
      addOutageToRedisLocked(withCharges);
    }
  }

  private void addOutageToRedisLocked(boolean withCharges) {
    if (!outageSaved.isEmpty()) {
      // Another node may have taken some of this node's rows (and added them): learn that first.
      storeOutageLocked();
    }
    Map<BudgetCounterKey, BudgetCount> decided = drain(outageAdditions);
    Map<BudgetCounterKey, BudgetCount> charged =
        withCharges ? drain(outageCharges) : new HashMap<>();
    if (decided.isEmpty() && charged.isEmpty()) {
      return;
    }
    // One addition per counter, so that a counter Redis lost is set once, not set and added to
    Map<BudgetCounterKey, BudgetCount> additions = new HashMap<>(decided);
    charged.forEach((key, c) -> additions.merge(key, c, BudgetCount::plus));
    Map<BudgetCounterKey, BudgetCount> ifAbsent = new HashMap<>(local.read(additions.keySet()));
    additions.forEach(
        (key, added) ->
            ifAbsent.merge(
                key, lastSeen.getOrDefault(key, BudgetCount.ZERO).max(added), BudgetCount::max));
    if (!withCharges) {
      // memory and the last value seen hold the outage's charges too, which are left to the
      // charge reconciler: a counter Redis lost is set without them
      outageCharges.forEach((key, c) -> ifAbsent.computeIfPresent(key, (k, v) -> v.minus(c)));
    }
    java.util.Set<BudgetCounterKey> notAdded = new java.util.HashSet<>(additions.keySet());
    try {
      mergeIntoRedis(additions, ifAbsent, notAdded::removeAll);
    } catch (RuntimeException e) {
      for (BudgetCounterKey key : notAdded) {
        putBack(outageAdditions, key, decided.get(key));
        putBack(outageCharges, key, charged.get(key));
      }
      throw e;
    }
  }

  /** Takes every entry out of {@code outage}. */
  private static Map<BudgetCounterKey, BudgetCount> drain(
      ConcurrentHashMap<BudgetCounterKey, BudgetCount> outage) {
    Map<BudgetCounterKey, BudgetCount> drained = new HashMap<>();
    for (BudgetCounterKey key : List.copyOf(outage.keySet())) {
      BudgetCount taken = outage.remove(key);
      if (taken != null) {
        drained.put(key, taken);
      }
    }
    return drained;
  }

  private static void putBack(
      ConcurrentHashMap<BudgetCounterKey, BudgetCount> outage,
      BudgetCounterKey key,
      BudgetCount count) {
    if (count != null) {
      outage.merge(key, count, BudgetCount::plus);
    }
  }

  /**
   * Adds {@code additions} to Redis's counters, setting a counter Redis lacks to its {@code
   * ifAbsent} value instead, and notes the values after as seen and to be saved. One script call
   * per tenant: a tenant's counters share a hash tag, so this also holds on a Redis Cluster.
   *
   * @param merged told of each tenant's counters once Redis has them
   */
  private void mergeIntoRedis(
      Map<BudgetCounterKey, BudgetCount> additions,
      Map<BudgetCounterKey, BudgetCount> ifAbsent,
      java.util.function.Consumer<java.util.Set<BudgetCounterKey>> merged) {
    Map<String, Map<BudgetCounterKey, BudgetCount>> byTenant = new HashMap<>();
    additions.forEach(
        (key, added) ->
            byTenant.computeIfAbsent(key.tenantId(), t -> new HashMap<>()).put(key, added));
    for (Map<BudgetCounterKey, BudgetCount> batch : byTenant.values()) {
      Map<BudgetCounterKey, BudgetCount> after = redis.merge(batch, ifAbsent);
      merged.accept(batch.keySet());
      seen(after);
      after.forEach((key, count) -> unflushed.merge(key, count, BudgetCount::max));
    }
  }

  private synchronized void degrade(RuntimeException e) {
    String error = describe(e);
    if (state.degraded()) {
      state = new State(true, error, state.since());
      return;
    }
    // What memory holds now is no count of this outage: at most counters that requests in flight
    // at the last recovery seeded after it was cleared, since outdated by what Redis counted.
    // Dropped before any call counts in memory, so this outage seeds each counter afresh from the
    // last value seen here (their additions still wait in outageAdditions, for Redis).
    local.clear();
    state = new State(true, error, clock.instant());
    log.warn(
        "Budget ledger cannot use Redis at {} ({}); {} until Redis is back",
        redis.target(),
        error,
        settings.onOutage() == BudgetOutagePolicy.REFUSE
            ? "refusing budgeted offers"
            : "counting budgets per node in process memory");
  }

  private static String describe(RuntimeException e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  /** One meter's counters, by outcome and by the backend that answered. */
  private record Outcomes(
      Counter redisAccepted,
      Counter redisExhausted,
      Counter redisUnavailable,
      Counter localAccepted,
      Counter localExhausted,
      Counter localUnavailable) {

    static Outcomes of(MeterRegistry meters, String name, String description) {
      return new Outcomes(
          counter(meters, name, description, "accepted", "redis"),
          counter(meters, name, description, "exhausted", "redis"),
          counter(meters, name, description, "unavailable", "redis"),
          counter(meters, name, description, "accepted", "local"),
          counter(meters, name, description, "exhausted", "local"),
          counter(meters, name, description, "unavailable", "local"));
    }

    private static Counter counter(
        MeterRegistry meters, String name, String description, String outcome, String backend) {
      return Counter.builder(name)
          .description(description)
          .tag("outcome", outcome)
          .tag("backend", backend)
          .register(meters);
    }

    void remove(MeterRegistry meters) {
      for (Meter m :
          List.of(
              redisAccepted,
              redisExhausted,
              redisUnavailable,
              localAccepted,
              localExhausted,
              localUnavailable)) {
        meters.remove(m);
      }
    }
  }
}
