package dev.arbiter.shared;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Timings of work recorded as a row in the same transaction as what it follows up (an uncounted
 * charge, an unshared interaction): the node that did the work deletes the rows in batches, and
 * every node's reconciler claims the rows left for longer than the grace period and does it again.
 *
 * @param markInterval how often the rows of work done are deleted, in one statement
 * @param reconcileInterval how often the reconciler looks for rows left
 * @param grace how old (database time) a row must be before the reconciler takes it; longer than
 *     any node takes to do the work and delete the row
 * @param lease how long a reconciler's claim on a row lasts: longer than working through a batch
 *     takes, and how long a row it could not finish waits for the next try
 * @param batch the most rows one claim takes
 * @param maxPendingMarks the most rows of work done that may wait to be deleted; each user says
 *     what it does beyond that (both leave the work to the reconciler)
 */
public record ReconcileTimings(
    Duration markInterval,
    Duration reconcileInterval,
    Duration grace,
    Duration lease,
    int batch,
    int maxPendingMarks) {
  /** Marks every second; every 30 s reconciles rows left for a minute, 500 a claim. */
  public static final ReconcileTimings DEFAULTS =
      new ReconcileTimings(
          Duration.ofSeconds(1),
          Duration.ofSeconds(30),
          Duration.ofMinutes(1),
          Duration.ofMinutes(2),
          500,
          100_000);

  public ReconcileTimings {
    Objects.requireNonNull(markInterval, "markInterval");
    Objects.requireNonNull(reconcileInterval, "reconcileInterval");
    Objects.requireNonNull(grace, "grace");
    Objects.requireNonNull(lease, "lease");
    if (grace.compareTo(markInterval.multipliedBy(5)) < 0) {
      throw new IllegalArgumentException("grace must be at least five mark intervals");
    }
    if (lease.compareTo(markInterval.multipliedBy(5)) < 0) {
      throw new IllegalArgumentException("lease must be at least five mark intervals");
    }
    if (batch < 1 || maxPendingMarks < 1) {
      throw new IllegalArgumentException("batch and maxPendingMarks must be positive");
    }
  }

  /** These timings reconciling every {@code interval}. */
  public ReconcileTimings withReconcileInterval(Duration interval) {
    return new ReconcileTimings(markInterval, interval, grace, lease, batch, maxPendingMarks);
  }

  /**
   * Runs {@code mark} every mark interval and {@code reconcile} every reconcile interval, each that
   * long after its previous run ended, on two daemon threads named {@code threadName}: a slow
   * reconcile run does not hold up the marks. Stop it with {@link #stop}.
   */
  public ScheduledExecutorService start(String threadName, Runnable mark, Runnable reconcile) {
    ScheduledExecutorService background =
        Executors.newScheduledThreadPool(
            2,
            r -> {
              Thread thread = new Thread(r, threadName);
              thread.setDaemon(true);
              return thread;
            });
    long markMillis = Math.max(1, markInterval.toMillis());
    background.scheduleWithFixedDelay(mark, markMillis, markMillis, TimeUnit.MILLISECONDS);
    long reconcileMillis = Math.max(1, reconcileInterval.toMillis());
    background.scheduleWithFixedDelay(
        reconcile, reconcileMillis, reconcileMillis, TimeUnit.MILLISECONDS);
    return background;
  }

  /**
   * Stops what {@link #start} started, interrupting and waiting up to five seconds for a run in
   * progress; null (never started) is ignored.
   */
  public static void stop(ScheduledExecutorService background) {
    if (background == null) {
      return;
    }
    background.shutdownNow();
    try {
      background.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
