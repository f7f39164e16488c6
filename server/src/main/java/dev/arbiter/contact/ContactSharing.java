package dev.arbiter.contact;

import dev.arbiter.contact.UnsharedInteractions.Key;
import dev.arbiter.contact.UnsharedInteractions.Unshared;
import dev.arbiter.shared.ReconcileTimings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets every committed interaction into the contact-history lists all nodes share (Redis), also
 * when the node that recorded it stops before appending it, or Redis is away at that moment.
 *
 * <p>With Redis configured ({@link #marking()}), Respond commits each interaction together with an
 * {@code unshared_interactions} row. Right after the commit, {@link #append} sends the interaction
 * to the customer's list and, once Redis acknowledged it, queues the row's deletion; a background
 * thread deletes the queued rows every mark interval (default 1 s) in one statement. During a Redis
 * outage the store keeps the interaction in its replay buffer, and the row is queued once the
 * recovery has sent it. A row still there after the grace period (default 1 min, database time) was
 * not shared: the node stopped before Redis acknowledged the append or before the row was deleted,
 * or stopped during an outage with the interaction still buffered, or the buffer dropped it (past
 * its caps); or Redis is still away (the interaction waits in a running node's buffer, and every
 * node reads PostgreSQL meanwhile, so policies count it). Every node's reconciler, every reconcile
 * interval (default 30 s) and only while its store is on Redis, claims such rows a batch at a time
 * for the lease (default 2 min; {@code FOR UPDATE SKIP LOCKED}, committed at once), appends their
 * interactions to their customers' lists, waiting for Redis, and deletes the rows. A row whose
 * interaction is gone (dropped by retention) is deleted without appending.
 *
 * <p>A node stopped during an outage sends its buffer to Redis when closing if Redis answers then;
 * this closes first (it needs the store), so the rows of what that last replay sends are left to
 * the reconciler too.
 *
 * <p>Appending an interaction twice is harmless: lists are hashes by interaction id. So nothing
 * here needs exactly-once: a row deleted late only costs a second append, and when more than {@code
 * maxPendingMarks} acknowledged rows wait for deletion (PostgreSQL unwritable for long), further
 * ones are left for the reconciler rather than queued.
 *
 * <p>Without Redis, lists live in each node's memory, which a stop loses whole (the next read loads
 * the customer from PostgreSQL); Respond writes no rows and {@link #append} only appends.
 *
 * <p>Metrics: {@code arbiter.contact.unshared.reconciled{result=appended|gone}}, {@code
 * arbiter.contact.unshared.reconcile.failures} (runs that failed), gauges {@code
 * arbiter.contact.unshared} (interactions older than the grace period still not shared after the
 * last run, counted also when the run could not append; NaN until the first) and {@code
 * arbiter.contact.unshared.marks.pending}. Thread-safe. {@link #close()} stops the background work
 * and deletes the queued rows.
 */
public final class ContactSharing implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ContactSharing.class);

  /**
   * What one reconcile run did.
   *
   * @param appended interactions appended to their customers' lists (rows deleted)
   * @param gone rows whose interaction no longer exists (deleted)
   * @param left rows claimed but not appended: Redis is not in use or failed (tried again once
   *     their claim ends)
   */
  public record Reconciled(int appended, int gone, int left) {}

  private final UnsharedInteractions rows;
  private final FailoverContactHistoryStore store;
  private final ReconcileTimings timings;
  private final MeterRegistry meters;
  private final ConcurrentLinkedQueue<Key> marks = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pendingMarks = new AtomicInteger();
  private final AtomicLong unsharedAfterRun = new AtomicLong(-1);
  private final Counter reconciledAppended;
  private final Counter reconciledGone;
  private final Counter reconcileFailures;
  private final Gauge unsharedGauge;
  private final Gauge pendingGauge;
  private final Object markLock = new Object();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile ScheduledExecutorService background;

  /** Sharing that does nothing in the background until {@link #start()}. */
  public ContactSharing(
      UnsharedInteractions rows,
      FailoverContactHistoryStore store,
      MeterRegistry meters,
      ReconcileTimings timings) {
    this.rows = Objects.requireNonNull(rows, "rows");
    this.store = Objects.requireNonNull(store, "store");
    this.meters = Objects.requireNonNull(meters, "meters");
    this.timings = Objects.requireNonNull(timings, "timings");
    this.reconciledAppended = reconciled(meters, "appended");
    this.reconciledGone = reconciled(meters, "gone");
    this.reconcileFailures =
        Counter.builder("arbiter.contact.unshared.reconcile.failures")
            .description("Runs sharing interactions left out of the contact lists that failed")
            .register(meters);
    this.unsharedGauge =
        Gauge.builder(
                "arbiter.contact.unshared",
                unsharedAfterRun,
                n -> n.get() < 0 ? Double.NaN : n.get())
            .description(
                "Interactions committed longer than the grace period ago and still not known to be"
                    + " in the shared contact lists after the last reconcile run")
            .register(meters);
    this.pendingGauge =
        Gauge.builder("arbiter.contact.unshared.marks.pending", pendingMarks, AtomicInteger::get)
            .description("Shared interactions whose unshared record is not yet deleted")
            .register(meters);
  }

  private static Counter reconciled(MeterRegistry meters, String result) {
    return Counter.builder("arbiter.contact.unshared.reconciled")
        .description(
            "Interactions the reconciler found left out of the shared contact lists and appended,"
                + " or whose row it deleted because the interaction is gone")
        .tag("result", result)
        .register(meters);
  }

  /**
   * Whether Respond records each interaction as unshared until Redis has it: with Redis configured.
   * Without it there is no shared list to miss anything.
   */
  public boolean marking() {
    return store.redis() != null;
  }

  /**
   * Interactions committed longer than the grace period ago and not shared, as the last reconcile
   * run found them; -1 before the first run (and always without Redis).
   */
  public long unsharedAfterLastRun() {
    return unsharedAfterRun.get();
  }

  /** Starts deleting shared interactions' rows and reconciling, on daemon threads. */
  public synchronized void start() {
    if (background != null || closed.get() || !marking()) {
      return;
    }
    background =
        timings.start("arbiter-contact-sharing", this::flushMarksQuietly, this::reconcileQuietly);
  }

  /**
   * Adds an interaction Respond just committed to its customer's list; if Respond also recorded it
   * as unshared ({@link #marking()}), that row is deleted with the next batch once Redis has it.
   * Does not wait for Redis.
   */
  public void append(String tenantId, String customerId, ContactEntry interaction) {
    List<ContactEntry> entries = List.of(interaction);
    if (!marking()) {
      store.append(tenantId, customerId, entries);
      return;
    }
    CompletableFuture<Boolean> shared = new CompletableFuture<>();
    store.append(tenantId, customerId, entries, shared);
    Key key = new Key(tenantId, interaction.id());
    shared.thenAccept(
        ok -> {
          if (ok) {
            enqueue(key);
          }
        });
  }

  /** Queues a shared interaction's row for deletion, unless too many wait already. */
  private void enqueue(Key key) {
    if (pendingMarks.incrementAndGet() > timings.maxPendingMarks()) {
      pendingMarks.decrementAndGet(); // left to the reconciler: one more, harmless, append
      return;
    }
    marks.add(key);
  }

  /**
   * Deletes the rows of every interaction shared so far, in one statement. Runs every mark interval
   * by itself; call it to make a test or a shutdown step deterministic.
   *
   * @throws RuntimeException when the rows could not be deleted (they stay queued)
   */
  public void flushMarks() {
    synchronized (markLock) {
      List<Key> batch = new ArrayList<>(marks);
      if (batch.isEmpty()) {
        return;
      }
      rows.forget(batch);
      // Only this method removes, under the lock: the head is exactly the batch.
      for (int i = 0; i < batch.size(); i++) {
        marks.poll();
      }
      pendingMarks.addAndGet(-batch.size());
    }
  }

  private boolean flushMarksQuietly() {
    try {
      flushMarks();
      return true;
    } catch (RuntimeException | Error e) {
      log.warn(
          "Could not delete the unshared records of {} interactions already in the contact lists"
              + " ({}); retrying",
          pendingMarks.get(),
          e.toString());
      return false;
    }
  }

  /**
   * Claims rows older than the grace period and appends their interactions to the shared lists, a
   * batch at a time, until a claim finds less than a batch, or only rows this run has seen, or half
   * the lease has passed, or Redis is not in use or fails (the rows claimed and not appended wait
   * for their lease to end). Runs every reconcile interval by itself.
   *
   * @throws RuntimeException when PostgreSQL cannot be read or written (nothing is lost: claimed
   *     rows not deleted are claimed again when their lease ends)
   */
  public Reconciled reconcile() {
    long deadline = System.nanoTime() + timings.lease().toNanos() / 2;
    Set<Key> seen = new HashSet<>();
    int appended = 0;
    int gone = 0;
    int left = 0;
    try {
      while (!closed.get() && System.nanoTime() - deadline < 0 && store.redisInUse()) {
        List<Unshared> claimed = rows.claim(timings.grace(), timings.lease(), timings.batch());
        boolean anyNew = false;
        List<Key> done = new ArrayList<>();
        Map<String, List<Unshared>> byCustomer = new LinkedHashMap<>();
        for (Unshared u : claimed) {
          anyNew |= seen.add(u.key());
          if (u.entry() == null) {
            done.add(u.key());
            gone++;
          } else {
            byCustomer
                .computeIfAbsent(u.key().tenantId() + ':' + u.customerId(), k -> new ArrayList<>())
                .add(u);
          }
        }
        boolean redisFailed = false;
        for (List<Unshared> customer : byCustomer.values()) {
          if (redisFailed || closed.get()) {
            left += customer.size();
            continue;
          }
          Unshared first = customer.getFirst();
          List<ContactEntry> entries = new ArrayList<>(customer.size());
          for (Unshared u : customer) {
            entries.add(u.entry());
          }
          if (store.appendToRedis(first.key().tenantId(), first.customerId(), entries)) {
            for (Unshared u : customer) {
              done.add(u.key());
            }
            appended += customer.size();
          } else {
            redisFailed = true;
            left += customer.size();
          }
        }
        rows.forget(done);
        if (redisFailed || claimed.size() < timings.batch() || !anyNew) {
          break;
        }
      }
    } finally {
      countUnshared();
      reconciledAppended.increment(appended);
      reconciledGone.increment(gone);
    }
    if (appended > 0) {
      log.warn(
          "Added {} interactions to the shared contact lists that a stopped node or a Redis outage"
              + " had left out{}",
          appended,
          gone > 0 ? " (" + gone + " more no longer exist)" : "");
    } else if (gone > 0) {
      log.info("Forgot {} unshared interactions that no longer exist", gone);
    }
    if (left > 0) {
      log.warn(
          "{} interactions are still not in the shared contact lists (Redis unavailable); trying"
              + " again in {}",
          left,
          timings.lease());
    }
    return new Reconciled(appended, gone, left);
  }

  private void countUnshared() {
    try {
      unsharedAfterRun.set(rows.count(timings.grace()));
    } catch (RuntimeException e) {
      log.debug("Could not count unshared interactions: {}", e.toString());
    }
  }

  private void reconcileQuietly() {
    try {
      reconcile();
    } catch (RuntimeException | Error e) {
      reconcileFailures.increment();
      log.warn("Could not share interactions left out of the contact lists: {}", e.toString());
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    ReconcileTimings.stop(background);
    if (!flushMarksQuietly()) {
      log.warn(
          "Closing with {} shared interactions still recorded as unshared; a reconciler appends"
              + " them again (harmless)",
          pendingMarks.get());
    }
    for (Meter meter :
        List.of(
            reconciledAppended, reconciledGone, reconcileFailures, unsharedGauge, pendingGauge)) {
      meters.remove(meter);
    }
  }
}
