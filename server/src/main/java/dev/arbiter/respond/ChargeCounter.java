package dev.arbiter.respond;

import dev.arbiter.budget.BudgetLedger;
import dev.arbiter.catalog.CatalogSnapshots;
import dev.arbiter.engine.catalog.BudgetPeriod;
import dev.arbiter.engine.catalog.Offer;
import dev.arbiter.respond.RespondRepository.ChargeKey;
import dev.arbiter.respond.RespondRepository.UncountedCharge;
import dev.arbiter.shared.ReconcileTimings;
import dev.arbiter.tenant.TenantSettingsService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts Respond's committed cost charges in their offers' budgets, and recounts the ones that were
 * not.
 *
 * <p>Respond commits a charge together with an {@code uncounted_charges} row. Right after the
 * commit, {@link #count} adds the cost to the {@link BudgetLedger} and, if it was added, queues the
 * row's deletion. A background thread, every mark interval (default 1 s), has the ledger save its
 * counters ({@link BudgetLedger#flush()}: written to PostgreSQL, and nothing counted during a Redis
 * outage still owed to Redis) and then deletes the queued rows in one statement; while either
 * fails, the rows stay, claimed by this node for the lease so that no reconciler counts them again.
 *
 * <p>A row still there after the grace period (default 1 min, database time) and not claimed was
 * not counted: the ledger refused it (its counter could not be read from PostgreSQL), or the node
 * stopped before the row was deleted. Every node's reconciler, every reconcile interval (default 30
 * s), claims such rows a batch at a time for the lease (default 2 min; {@code FOR UPDATE SKIP
 * LOCKED}, committed at once, so nodes take different rows and no transaction stays open while
 * counting), adds each cost to the ledger and queues the counted rows' deletion as above. A row it
 * could not count stays claimed until the lease ends, so the run goes on to the next rows; a run
 * stops at half the lease, so that its claims do not run out while it counts.
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li>A committed charge is not lost by a crash, a refusing ledger or a Redis outage: its row
 *       stays until the ledger has counted it and saved that count.
 *   <li>It can be counted twice, which errs on the side of the budget: when the node stops after
 *       the ledger saved it and before its row was deleted (at most one mark interval's charges),
 *       or when its row can neither be deleted nor its claim renewed for longer than the grace
 *       period or lease (PostgreSQL unwritable, and another node reconciling the moment it is
 *       back). While {@code maxPendingMarks} counted charges wait to be forgotten (a long outage),
 *       further charges are not counted at once but left to the reconciler, which counts none while
 *       the queue is full: a charge is never counted without a place in the queue.
 *   <li>A charge whose offer no longer exists or has no budget in a catalog newer than the one it
 *       was charged with is forgotten without counting: there is no counter to add it to.
 * </ul>
 *
 * <p>Metrics: {@code arbiter.budget.charge.failures} (charges the ledger could not count at once),
 * {@code arbiter.budget.charge.reconciled{result=counted|no_budget}}, {@code
 * arbiter.budget.charge.reconcile.failures} (runs that failed), gauges {@code
 * arbiter.budget.charge.uncounted} (charges older than the grace period still uncounted after the
 * last run, counted even when the run failed; NaN until the first) and {@code
 * arbiter.budget.charge.marks.pending}. Thread-safe. {@link #close()} stops the background work,
 * has the ledger save, and deletes the queued rows.
 */
public final class ChargeCounter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChargeCounter.class);
  private static final long WARNING_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  /**
   * What one reconcile run did.
   *
   * @param counted charges added to their budgets
   * @param noBudget charges forgotten: their offer has no budget (or no longer exists)
   * @param left charges claimed but not counted (tried again once their claim ends)
   */
  public record Reconciled(int counted, int noBudget, int left) {}

  private final RespondRepository repository;
  private final BudgetLedger budgets;
  private final CatalogSnapshots snapshots;
  private final TenantSettingsService settings;
  private final ReconcileTimings timings;
  private final MeterRegistry meters;
  private final ConcurrentLinkedQueue<ChargeKey> marks = new ConcurrentLinkedQueue<>();

  /** The keys in {@link #marks}: counted here, not to be counted again while they wait. */
  private final Set<ChargeKey> queued = ConcurrentHashMap.newKeySet();

  private final AtomicInteger pendingMarks = new AtomicInteger();
  private final AtomicLong uncountedAfterRun = new AtomicLong(-1);
  private final AtomicLong lastFullWarning = new AtomicLong();
  private final AtomicLong lastRefusedWarning = new AtomicLong();
  private final Counter failures;
  private final Counter reconciledCounted;
  private final Counter reconciledNoBudget;
  private final Counter reconcileFailures;
  private final Gauge uncountedGauge;
  private final Gauge pendingGauge;
  private final Object markLock = new Object();

  /** Under {@link #markLock}: when all queued rows were last claimed, and how many are claimed. */
  private long claimedSince;

  private int claimedCount;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile ScheduledExecutorService background;

  /** A counter that does nothing in the background until {@link #start()}. */
  public ChargeCounter(
      RespondRepository repository,
      BudgetLedger budgets,
      CatalogSnapshots snapshots,
      TenantSettingsService settings,
      MeterRegistry meters,
      ReconcileTimings timings) {
    this.repository = Objects.requireNonNull(repository, "repository");
    this.budgets = Objects.requireNonNull(budgets, "budgets");
    this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.meters = Objects.requireNonNull(meters, "meters");
    this.timings = Objects.requireNonNull(timings, "timings");
    this.failures =
        Counter.builder("arbiter.budget.charge.failures")
            .description(
                "Committed cost charges the budget ledger could not count at once (the"
                    + " reconciler counts them later)")
            .register(meters);
    this.reconciledCounted = reconciled(meters, "counted");
    this.reconciledNoBudget = reconciled(meters, "no_budget");
    this.reconcileFailures =
        Counter.builder("arbiter.budget.charge.reconcile.failures")
            .description("Reconcile runs of uncounted cost charges that failed (retried)")
            .register(meters);
    this.uncountedGauge =
        Gauge.builder(
                "arbiter.budget.charge.uncounted",
                uncountedAfterRun,
                n -> n.get() < 0 ? Double.NaN : n.get())
            .description(
                "Cost charges older than the grace period still not counted in their budget after"
                    + " the last reconcile run")
            .register(meters);
    this.pendingGauge =
        Gauge.builder("arbiter.budget.charge.marks.pending", pendingMarks, AtomicInteger::get)
            .description("Counted cost charges whose uncounted record is not yet deleted")
            .register(meters);
  }

  private static Counter reconciled(MeterRegistry meters, String result) {
    return Counter.builder("arbiter.budget.charge.reconciled")
        .description("Cost charges the reconciler found uncounted and counted or forgot")
        .tag("result", result)
        .register(meters);
  }

  /** Starts deleting counted charges' rows and reconciling, on one daemon thread. */
  public synchronized void start() {
    if (background != null || closed.get()) {
      return;
    }
    background =
        timings.start("arbiter-budget-charges", this::flushMarksQuietly, this::reconcileQuietly);
  }

  /**
   * Adds a charge Respond just committed to its offer's budget; on success its uncounted row is
   * deleted with the next batch, otherwise the reconciler counts it later.
   *
   * @param period the period of the offer's budget
   * @param chargedAt when it was charged: chooses the day of a {@code DAY} budget
   */
  public void count(ChargeKey key, BudgetPeriod period, Instant chargedAt, BigDecimal cost) {
    if (!reserve()) {
      // Counting it now could not be followed by forgetting it: the reconciler counts it later.
      failures.increment();
      if (warnNow(lastFullWarning)) {
        log.warn(
            "{} counted cost charges already wait for their budget counters to be saved; charges"
                + " are left to the reconciler until there is room (this one: offer {}, decision"
                + " {}; logged at most once a minute, each counted in"
                + " arbiter_budget_charge_failures_total)",
            timings.maxPendingMarks(),
            key.offerKey(),
            key.decisionId());
      }
      return;
    }
    if (add(key, period, chargedAt, cost)) {
      enqueue(key);
    } else {
      release();
      failures.increment();
      if (warnNow(lastRefusedWarning)) {
        log.warn(
            "Cost {} of offer {} (decision {}) is recorded but could not be counted in its budget"
                + " now; the reconciler counts it after {} (logged at most once a minute, each"
                + " counted in arbiter_budget_charge_failures_total)",
            cost,
            key.offerKey(),
            key.decisionId(),
            timings.grace());
      }
    }
  }

  /** Whether a warning last given at {@code last} may be given again now (once a minute). */
  private static boolean warnNow(AtomicLong last) {
    long now = System.nanoTime();
    long then = last.get();
    return (then == 0 || now - then > WARNING_EVERY_NANOS) && last.compareAndSet(then, now);
  }

  /** Whether the ledger added it; false also when it failed. */
  private boolean add(ChargeKey key, BudgetPeriod period, Instant chargedAt, BigDecimal cost) {
    try {
      LocalDate day = settings.cached(key.tenantId()).dayOf(chargedAt);
      return budgets.addSpent(key.tenantId(), key.offerKey(), period, day, cost.doubleValue());
    } catch (RuntimeException e) {
      log.debug("Could not count the cost of {}: {}", key, e.toString());
      return false;
    }
  }

  /**
   * Takes a place in the queue of counted charges before counting one, so that every charge counted
   * can be queued: one counted and not queued would be counted again by a reconciler.
   */
  private boolean reserve() {
    if (pendingMarks.incrementAndGet() > timings.maxPendingMarks()) {
      pendingMarks.decrementAndGet();
      return false;
    }
    return true;
  }

  private void release() {
    pendingMarks.decrementAndGet();
  }

  /** Queues a counted charge's row for deletion, in the place {@link #reserve()} took. */
  private void enqueue(ChargeKey key) {
    if (queued.add(key)) {
      marks.add(key);
    } else {
      release(); // queued already (cannot happen: callers skip queued keys)
    }
  }

  /**
   * Has the ledger save its counters, then deletes the rows of every charge counted so far, in one
   * statement. While either fails, the rows stay, claimed by this node for the lease so that no
   * reconciler counts them again meanwhile. Runs every mark interval by itself; call it to make a
   * test or a shutdown step deterministic.
   *
   * @return whether all were deleted; false when the ledger could not save its counters
   * @throws RuntimeException when the rows could not be deleted
   */
  public boolean flushMarks() {
    synchronized (markLock) {
      List<ChargeKey> batch = new ArrayList<>(marks);
      if (batch.isEmpty()) {
        return true;
      }
      try {
        if (!budgets.flush()) {
          keepClaimed(batch);
          return false;
        }
        repository.forgetUncounted(batch);
      } catch (RuntimeException e) {
        keepClaimed(batch);
        throw e;
      }
      // Only this method removes, under the lock: the head is exactly the batch.
      for (int i = 0; i < batch.size(); i++) {
        queued.remove(marks.poll());
      }
      pendingMarks.addAndGet(-batch.size());
      claimedSince = 0;
      claimedCount = 0;
      return true;
    }
  }

  /**
   * Claims the rows of counted charges that cannot be forgotten yet: all of them every quarter
   * lease, and in between only those queued since (the batch is always a prefix of the queue), so
   * that a long outage renews each row four times a lease rather than every second.
   */
  private void keepClaimed(List<ChargeKey> batch) {
    long now = System.nanoTime();
    boolean renewAll = claimedCount == 0 || now - claimedSince > timings.lease().toNanos() / 4;
    List<ChargeKey> keys = renewAll ? batch : batch.subList(claimedCount, batch.size());
    if (keys.isEmpty()) {
      return;
    }
    try {
      repository.extendClaims(keys, timings.lease());
      if (renewAll) {
        claimedSince = now;
      }
      claimedCount = batch.size();
    } catch (RuntimeException e) {
      log.debug("Could not extend the claims of {} counted charges: {}", keys.size(), e.toString());
    }
  }

  /** Whether all were deleted; failures logged. */
  private boolean flushMarksQuietly() {
    try {
      if (flushMarks()) {
        return true;
      }
      log.debug("Budget counters not saved; {} counted charges stay marked", pendingMarks.get());
    } catch (RuntimeException | Error e) {
      log.warn(
          "Could not mark {} cost charges as counted ({}); retrying",
          pendingMarks.get(),
          e.toString());
    }
    return false;
  }

  /**
   * Claims and counts uncounted charges older than the grace period, a batch at a time, until a
   * claim finds less than a batch, or only charges this run has seen, or half the lease has passed
   * (what is claimed and not reached by then waits for its lease to end), or the ledger cannot save
   * what was counted. Runs every reconcile interval by itself.
   *
   * @throws RuntimeException when PostgreSQL cannot be read or written (nothing is lost: claimed
   *     charges not counted are claimed again when their lease ends)
   */
  public Reconciled reconcile() {
    Run run = new Run(System.nanoTime() + timings.lease().toNanos() / 2);
    try {
      while (!closed.get() && !run.overdue()) {
        List<UncountedCharge> claimed =
            repository.claimUncounted(timings.grace(), timings.lease(), timings.batch());
        boolean anyNew = false;
        for (UncountedCharge charge : claimed) {
          anyNew |= run.seen.add(charge.key());
          countClaimed(charge, run);
        }
        if (!flushMarksQuietly() || run.full || claimed.size() < timings.batch() || !anyNew) {
          break;
        }
      }
    } finally {
      countUncounted();
      reconciledCounted.increment(run.counted);
      reconciledNoBudget.increment(run.noBudget);
    }
    if (run.counted + run.noBudget > 0) {
      log.info(
          "Counted {} cost charges left uncounted in their budgets ({} more had no budget to count"
              + " in)",
          run.counted,
          run.noBudget);
    }
    if (run.left > 0) {
      log.warn(
          "{} cost charges are still not counted in their budgets{}; trying again in {}",
          run.left,
          run.failedTenants.isEmpty() ? "" : " (catalogs unreadable: " + run.failedTenants + ")",
          timings.lease());
    }
    return new Reconciled(run.counted, run.noBudget, run.left);
  }

  /** One reconcile run's state. */
  private static final class Run {
    final long deadline;
    final Set<ChargeKey> seen = new HashSet<>();
    final Map<String, CatalogSnapshots.Compiled> catalogs = new HashMap<>();
    final Map<String, String> failedTenants = new HashMap<>();
    int counted;
    int noBudget;
    int left;
    boolean full;

    Run(long deadline) {
      this.deadline = deadline;
    }

    boolean overdue() {
      return System.nanoTime() - deadline > 0;
    }
  }

  private void countClaimed(UncountedCharge charge, Run run) {
    ChargeKey key = charge.key();
    if (queued.contains(key)) {
      return; // counted here already, waiting for the ledger to save it
    }
    if (closed.get() || run.overdue() || run.failedTenants.containsKey(key.tenantId())) {
      run.left++;
      return;
    }
    if (!reserve()) {
      run.full = true;
      run.left++;
      return;
    }
    CatalogSnapshots.Compiled catalog;
    try {
      catalog = run.catalogs.computeIfAbsent(key.tenantId(), snapshots::current);
    } catch (RuntimeException e) {
      release();
      run.failedTenants.put(key.tenantId(), e.toString());
      run.left++;
      return;
    }
    Offer offer = catalog.snapshot().offer(key.offerKey());
    if (offer == null || offer.budget() == null) {
      release();
      if (catalog.catalogVersion() > charge.catalogVersion()) {
        repository.forgetUncounted(List.of(key));
        run.noBudget++;
      } else {
        run.left++; // this node's catalog is not newer than the charge's: ask again later
      }
    } else if (add(key, offer.budget().period(), charge.chargedAt(), charge.cost())) {
      enqueue(key);
      run.counted++;
    } else {
      release();
      run.left++;
    }
  }

  private void countUncounted() {
    try {
      uncountedAfterRun.set(repository.countUncounted(timings.grace()));
    } catch (RuntimeException e) {
      log.debug("Could not count uncounted cost charges: {}", e.toString());
    }
  }

  private void reconcileQuietly() {
    try {
      reconcile();
    } catch (RuntimeException | Error e) {
      reconcileFailures.increment();
      log.warn("Could not reconcile uncounted cost charges: {}", e.toString());
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    ReconcileTimings.stop(background);
    try {
      if (!flushMarks()) {
        log.warn(
            "Closing with {} counted cost charges whose budget counters could not be saved; the"
                + " reconciler counts them again",
            pendingMarks.get());
      }
    } catch (RuntimeException e) {
      log.warn(
          "Closing with {} counted cost charges not marked ({}); the reconciler counts them again",
          pendingMarks.get(),
          e.toString());
    }
    for (Meter meter :
        List.of(
            failures,
            reconciledCounted,
            reconciledNoBudget,
            reconcileFailures,
            uncountedGauge,
            pendingGauge)) {
      meters.remove(meter);
    }
  }
}
