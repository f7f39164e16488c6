package dev.arbiter.respond;

import dev.arbiter.budget.BudgetLedger;
import dev.arbiter.catalog.CatalogSnapshots;
import dev.arbiter.engine.catalog.BudgetPeriod;
import dev.arbiter.engine.catalog.Offer;
import dev.arbiter.respond.RespondRepository.ChargeKey;
import dev.arbiter.respond.RespondRepository.UncountedCharge;
import dev.arbiter.tenant.TenantSettingsService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Counts Respond's committed cost charges in their offers' budgets, and recounts the ones that were
 * not.
 *
 * <p>Respond commits a charge together with an {@code uncounted_charges} row. Right after the
 * commit, {@link #count} adds the cost to the {@link BudgetLedger} and, if it was added, queues the
 * row's deletion; a background thread deletes the queued rows in one statement every mark interval
 * (default 1 s). A row still there after the grace period (default 1 min) was not counted: the
 * ledger refused it (its counter could not be read from PostgreSQL), or the node stopped between
 * the commit and the count. Every node's reconciler, every reconcile interval (default 30 s), locks
 * up to a batch of such rows ({@code FOR UPDATE SKIP LOCKED}, so nodes take different ones), adds
 * each cost to the ledger, and deletes the counted rows in the same transaction.
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li>A committed charge is counted, at once or within the grace period plus one reconcile
 *       interval after the ledger can count again. It is never lost by a crash.
 *   <li>It can be counted twice, which errs on the side of the budget: when the node stops after
 *       the ledger counted it and before its row was deleted (the last mark interval's charges), or
 *       when its row cannot be deleted for longer than the grace period (PostgreSQL unwritable), or
 *       when a reconciler counted it and then could not commit.
 *   <li>A charge whose offer no longer exists or has no budget is forgotten without counting: there
 *       is no counter to add it to.
 * </ul>
 *
 * <p>Metrics: {@code arbiter.budget.charge.failures} (charges the ledger could not count at once),
 * {@code arbiter.budget.charge.reconciled{result=counted|no_budget}}, gauges {@code
 * arbiter.budget.charge.uncounted} (charges older than the grace period still uncounted after the
 * last reconcile run; NaN before the first) and {@code arbiter.budget.charge.marks.pending}.
 * Thread-safe. {@link #close()} stops the background work and deletes the queued rows.
 */
public final class ChargeCounter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChargeCounter.class);

  /**
   * Timings.
   *
   * @param markInterval how often counted charges' rows are deleted
   * @param reconcileInterval how often the reconciler looks for charges left uncounted
   * @param grace how old an uncounted charge must be before the reconciler counts it; longer than
   *     any node takes to count a charge and delete its row
   * @param batch the most charges one reconcile transaction locks
   * @param maxPendingMarks the most counted charges whose rows wait to be deleted; past it a
   *     counted charge's row stays, and the reconciler counts it again
   */
  public record Settings(
      Duration markInterval,
      Duration reconcileInterval,
      Duration grace,
      int batch,
      int maxPendingMarks) {
    /** Marks every second; reconciles every 30 s charges older than a minute, 500 at a time. */
    public static final Settings DEFAULTS =
        new Settings(
            Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(1), 500, 100_000);

    public Settings {
      Objects.requireNonNull(markInterval, "markInterval");
      Objects.requireNonNull(reconcileInterval, "reconcileInterval");
      Objects.requireNonNull(grace, "grace");
      if (grace.compareTo(markInterval.multipliedBy(5)) < 0) {
        throw new IllegalArgumentException("grace must be at least five mark intervals");
      }
      if (batch < 1 || maxPendingMarks < 1) {
        throw new IllegalArgumentException("batch and maxPendingMarks must be positive");
      }
    }

    /** These settings reconciling every {@code interval}. */
    public Settings withReconcileInterval(Duration interval) {
      return new Settings(markInterval, interval, grace, batch, maxPendingMarks);
    }
  }

  /** What one reconcile run did. */
  public record Reconciled(int counted, int noBudget, int left) {}

  private final RespondRepository repository;
  private final BudgetLedger budgets;
  private final CatalogSnapshots snapshots;
  private final TenantSettingsService settings;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final Settings timings;
  private final MeterRegistry meters;
  private final ConcurrentLinkedQueue<ChargeKey> marks = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pendingMarks = new AtomicInteger();
  private final AtomicLong uncountedAfterRun = new AtomicLong(-1);
  private final Counter failures;
  private final Counter reconciledCounted;
  private final Counter reconciledNoBudget;
  private final Gauge uncountedGauge;
  private final Gauge pendingGauge;
  private final Object markLock = new Object();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile ScheduledExecutorService background;

  /** A counter that does nothing in the background until {@link #start()}. */
  public ChargeCounter(
      RespondRepository repository,
      BudgetLedger budgets,
      CatalogSnapshots snapshots,
      TenantSettingsService settings,
      TransactionTemplate tx,
      Clock clock,
      MeterRegistry meters,
      Settings timings) {
    this.repository = Objects.requireNonNull(repository, "repository");
    this.budgets = Objects.requireNonNull(budgets, "budgets");
    this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.tx = Objects.requireNonNull(tx, "tx");
    this.clock = Objects.requireNonNull(clock, "clock");
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
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "arbiter-budget-charges");
              thread.setDaemon(true);
              return thread;
            });
    long markMillis = Math.max(1, timings.markInterval().toMillis());
    background.scheduleWithFixedDelay(
        this::flushMarksQuietly, markMillis, markMillis, TimeUnit.MILLISECONDS);
    long reconcileMillis = Math.max(1, timings.reconcileInterval().toMillis());
    background.scheduleWithFixedDelay(
        this::reconcileQuietly, reconcileMillis, reconcileMillis, TimeUnit.MILLISECONDS);
  }

  /**
   * Adds a charge Respond just committed to its offer's budget; on success its uncounted row is
   * deleted with the next batch, otherwise the reconciler counts it later.
   *
   * @param period the period of the offer's budget
   * @param chargedAt when it was charged: chooses the day of a {@code DAY} budget
   */
  public void count(ChargeKey key, BudgetPeriod period, Instant chargedAt, BigDecimal cost) {
    boolean counted;
    try {
      counted = add(key, period, chargedAt, cost);
    } catch (RuntimeException e) {
      counted = false;
    }
    if (counted) {
      mark(key);
    } else {
      failures.increment();
      log.warn(
          "Cost {} of offer {} (decision {}) is recorded but could not be counted in its budget"
              + " now; the reconciler counts it after {}",
          cost,
          key.offerKey(),
          key.decisionId(),
          timings.grace());
    }
  }

  private boolean add(ChargeKey key, BudgetPeriod period, Instant chargedAt, BigDecimal cost) {
    LocalDate day =
        LocalDate.ofInstant(chargedAt, ZoneId.of(settings.cached(key.tenantId()).timeZone()));
    return budgets.addSpent(key.tenantId(), key.offerKey(), period, day, cost.doubleValue());
  }

  private void mark(ChargeKey key) {
    if (pendingMarks.incrementAndGet() > timings.maxPendingMarks()) {
      pendingMarks.decrementAndGet();
      log.warn(
          "{} counted cost charges already wait to be marked (is PostgreSQL unwritable?); the"
              + " reconciler will count the charge of offer {} (decision {}) a second time",
          timings.maxPendingMarks(),
          key.offerKey(),
          key.decisionId());
      return;
    }
    marks.add(key);
  }

  /**
   * Deletes the rows of every charge counted so far, in one statement. Runs every mark interval by
   * itself; call it to make a test or a shutdown step deterministic.
   *
   * @return whether all were deleted (false: kept for the next try)
   */
  public boolean flushMarks() {
    synchronized (markLock) {
      List<ChargeKey> batch = new ArrayList<>();
      for (ChargeKey k : marks) {
        batch.add(k);
      }
      if (batch.isEmpty()) {
        return true;
      }
      repository.forgetUncounted(batch);
      for (int i = 0; i < batch.size(); i++) {
        marks.poll();
      }
      pendingMarks.addAndGet(-batch.size());
      return true;
    }
  }

  private void flushMarksQuietly() {
    try {
      flushMarks();
    } catch (RuntimeException e) {
      log.warn(
          "Could not mark {} cost charges as counted ({}); retrying",
          pendingMarks.get(),
          e.toString());
    }
  }

  /**
   * Counts uncounted charges older than the grace period, a batch per transaction, until none is
   * left that this node can count now. Runs every reconcile interval by itself.
   *
   * @throws RuntimeException when PostgreSQL cannot be read or written (nothing is lost: what was
   *     not committed is counted again next time)
   */
  public Reconciled reconcile() {
    Instant cutoff = clock.instant().minus(timings.grace());
    int counted = 0;
    int noBudget = 0;
    while (true) {
      Reconciled run = tx.execute(status -> reconcileBatch(cutoff));
      counted += run.counted();
      noBudget += run.noBudget();
      if (run.counted() + run.noBudget() == 0 || run.left() > 0 || closed.get()) {
        break;
      }
    }
    long left = repository.countUncounted(cutoff);
    uncountedAfterRun.set(left);
    return new Reconciled(counted, noBudget, (int) Math.min(Integer.MAX_VALUE, left));
  }

  private Reconciled reconcileBatch(Instant cutoff) {
    List<UncountedCharge> charges = repository.lockUncounted(cutoff, timings.batch());
    List<ChargeKey> done = new ArrayList<>();
    Map<String, String> tenantErrors = new HashMap<>();
    int counted = 0;
    int noBudget = 0;
    int left = 0;
    for (UncountedCharge charge : charges) {
      ChargeKey key = charge.key();
      if (tenantErrors.containsKey(key.tenantId())) {
        left++;
        continue;
      }
      Offer offer;
      try {
        offer = snapshots.current(key.tenantId()).snapshot().offer(key.offerKey());
      } catch (RuntimeException e) {
        tenantErrors.put(key.tenantId(), e.toString());
        left++;
        continue;
      }
      if (offer == null || offer.budget() == null) {
        done.add(key);
        noBudget++;
        continue;
      }
      boolean added;
      try {
        added = add(key, offer.budget().period(), charge.chargedAt(), charge.cost());
      } catch (RuntimeException e) {
        added = false;
      }
      if (added) {
        done.add(key);
        counted++;
      } else {
        left++;
      }
    }
    repository.forgetUncounted(done);
    reconciledCounted.increment(counted);
    reconciledNoBudget.increment(noBudget);
    if (counted + noBudget > 0) {
      log.info(
          "Counted {} cost charges left uncounted in their budgets ({} more had no budget to count"
              + " in)",
          counted,
          noBudget);
    }
    if (left > 0) {
      log.warn(
          "{} cost charges are still not counted in their budgets{}; retrying in {}",
          left,
          tenantErrors.isEmpty() ? "" : " (catalogs unreadable: " + tenantErrors + ")",
          timings.reconcileInterval());
    }
    return new Reconciled(counted, noBudget, left);
  }

  private void reconcileQuietly() {
    try {
      reconcile();
    } catch (RuntimeException e) {
      log.warn("Could not reconcile uncounted cost charges: {}", e.toString());
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    ScheduledExecutorService running = background;
    if (running != null) {
      running.shutdownNow();
      try {
        running.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      flushMarks();
    } catch (RuntimeException e) {
      log.warn(
          "Closing with {} counted cost charges not marked ({}); the reconciler counts them again",
          pendingMarks.get(),
          e.toString());
    }
    for (Meter meter :
        List.of(failures, reconciledCounted, reconciledNoBudget, uncountedGauge, pendingGauge)) {
      meters.remove(meter);
    }
  }
}
