package dev.arbiter.decision;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import tools.jackson.core.JacksonException;

/**
 * Writes decision traces and decision events off the request path: requests put them on bounded
 * queues and return; writer threads insert them in batches, each taking what is queued (up to
 * {@code batchSize} of each kind) when it is free, so a batch holds what arrived during the
 * previous insert and its commit. A full trace queue drops the trace and counts it ({@code
 * arbiter_decision_log_dropped_total{kind="trace"}}) rather than slow a decision. A full event
 * queue while the database keeps up means decisions come faster than it can store their events: the
 * decision waits up to {@code fullWait} for room ({@code arbiter_decision_log_full_waits_total}),
 * as losing the event would lose the record Respond and off-policy evaluation read. While the
 * database is down, a full event queue drops at once (counted under {@code kind="event"}), so an
 * outage does not stall decisions; the writers keep their batch in hand and retry with backoff. On
 * close they drain what is queued within the shutdown budget; if the database still fails then,
 * what is left is dropped and counted.
 *
 * <p>History (bench/RESULTS.md): the single writer used to wait for a trace before taking events,
 * so with tracing off it wrote one batch per 50 ms; and a full event queue dropped at once, so
 * under peak load, where the server's threads left the database too little CPU to keep up, most
 * events were dropped.
 */
public class DecisionLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DecisionLog.class);
  private static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final DecisionLogRepository repository;
  private final BlockingQueue<StoredTrace> traces;
  private final BlockingQueue<OutboxEvent> events;
  private final int batchSize;
  private final Counter droppedTraces;
  private final Counter droppedEvents;
  private final Counter writeFailures;
  private final Counter eventWaits;
  private final long fullWaitNanos;
  private final long lingerNanos;
  // what a gathering writer waits for at most: a batch, or a full queue if that is smaller
  private final int fullBatch;
  // whether the last insert failed: then a full queue drops at once instead of waiting
  private volatile boolean failing;
  // whether a full queue's wait ended without room (logged once, until an insert succeeds)
  private final AtomicBoolean stalled = new AtomicBoolean();
  // when the last of each message was logged: under sustained overload the state can flip often,
  // and each is logged at most once a minute
  private final AtomicLong lastStallLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);
  private final AtomicLong lastRecoveryLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);
  private final Counter writtenTraces;
  private final Counter writtenEvents;
  private final Writer[] writers;
  private volatile boolean running = true;
  // whether an event came after close() (logged once)
  private final AtomicBoolean lateAfterClose = new AtomicBoolean();

  /** The longest an idle writer sleeps without a wake-up (it re-checks the queues then). */
  static final long IDLE_PARK_MILLIS = 50;

  /**
   * One writer thread.
   *
   * @param capacity items each queue holds before it drops
   * @param batchSize most items one insert writes
   */
  public DecisionLog(
      DecisionLogRepository repository, MeterRegistry meters, int capacity, int batchSize) {
    this(repository, meters, capacity, batchSize, 1, Duration.ofMillis(500), Duration.ZERO);
  }

  /**
   * @param capacity items each queue holds before it drops
   * @param batchSize most items one insert writes
   * @param writerCount writer threads, each inserting on its own connection, so one's commit
   *     overlaps another's insert
   * @param fullWait the longest an event waits for room in a full queue while the writers are
   *     healthy; zero drops at once
   * @param linger how long a writer that finds less than a batch queued gathers more before it
   *     inserts (zero: it inserts what it found at once); fewer, larger transactions
   */
  public DecisionLog(
      DecisionLogRepository repository,
      MeterRegistry meters,
      int capacity,
      int batchSize,
      int writerCount,
      Duration fullWait,
      Duration linger) {
    if (writerCount < 1) {
      throw new IllegalArgumentException("Expected at least one writer, but got " + writerCount);
    }
    this.fullWaitNanos = fullWait.toNanos();
    this.lingerNanos = linger.toNanos();
    this.fullBatch = Math.min(capacity, batchSize);
    this.eventWaits =
        Counter.builder("arbiter.decision.log.full.waits")
            .description(
                "Events that found the queue full while the database kept up, and waited for room")
            .tag("kind", "event")
            .register(meters);
    this.repository = repository;
    this.traces = new ArrayBlockingQueue<>(capacity);
    this.events = new ArrayBlockingQueue<>(capacity);
    this.batchSize = batchSize;
    this.droppedTraces = dropped(meters, "trace");
    this.droppedEvents = dropped(meters, "event");
    this.writtenTraces = written(meters, "trace");
    this.writtenEvents = written(meters, "event");
    this.writeFailures =
        Counter.builder("arbiter.decision.log.write.failures")
            .description("Batch inserts of traces or events that failed and were retried")
            .register(meters);
    Gauge.builder("arbiter.decision.log.queued", traces, BlockingQueue::size)
        .tag("kind", "trace")
        .register(meters);
    Gauge.builder("arbiter.decision.log.queued", events, BlockingQueue::size)
        .tag("kind", "event")
        .register(meters);
    this.writers = new Writer[writerCount];
    for (int i = 0; i < writerCount; i++) {
      writers[i] = new Writer();
      writers[i].thread =
          Thread.ofPlatform()
              .daemon()
              .name(writerCount == 1 ? "arbiter-decision-log" : "arbiter-decision-log-" + i)
              .start(writers[i]);
    }
  }

  private static Counter dropped(MeterRegistry meters, String kind) {
    return Counter.builder("arbiter.decision.log.dropped")
        .description("Traces or events dropped because the write queue was full")
        .tag("kind", kind)
        .register(meters);
  }

  private static Counter written(MeterRegistry meters, String kind) {
    return Counter.builder("arbiter.decision.log.written")
        .description("Traces or events written to the database")
        .tag("kind", kind)
        .register(meters);
  }

  /** Queues a trace; never blocks. After {@link #close} it is dropped and counted. */
  public void trace(StoredTrace trace) {
    if (!running) {
      droppedTraces.increment();
      return;
    }
    if (traces.offer(trace)) {
      if (!running && traces.remove(trace)) {
        droppedTraces.increment(); // close() began meanwhile
        return;
      }
      wake(traces);
    } else {
      droppedTraces.increment();
    }
  }

  /**
   * Queues an event. When the queue is full while the writers are writing (the database keeps up
   * more slowly than decisions come), waits up to {@code fullWait} for room: a decision slows down
   * rather than lose its event. When the writers are failing (the database is down) it does not
   * wait: the event is dropped and counted at once, so an outage does not stall decisions. A wait
   * that ends without room counts as such a failure (an insert hanging on a dead connection throws
   * only at its socket timeout) until an insert succeeds. After {@link #close} the event is dropped
   * and counted (logged once).
   */
  public void event(OutboxEvent event) {
    if (!running) {
      // A request that outlived the shutdown's wait: the writers may have gone, and an event
      // queued then would vanish uncounted.
      late(event);
      return;
    }
    if (events.offer(event)) {
      if (!running && events.remove(event)) {
        late(event); // close() began meanwhile, and may have made its last sweep already
        return;
      }
      if (failing) {
        // The database fails: whoever waits for this event to be stored (a Respond) must not
        // wait for the outage; the event itself stays queued.
        event.settle();
      }
      wake(events);
      return;
    }
    if (!failing && running && fullWaitNanos > 0) {
      eventWaits.increment();
      try {
        if (events.offer(event, fullWaitNanos, TimeUnit.NANOSECONDS)) {
          wake(events);
          return;
        }
        // No room for the whole wait: the database is not keeping up at all (an insert hangs on a
        // lock or a dead connection until its socket timeout). Drop at once from now on, as in an
        // outage, until an insert succeeds again.
        failing = true;
        if (stalled.compareAndSet(false, true) && quietSince(lastStallLog)) {
          log.warn(
              "A decision found the event queue full for {} ms (the database is down or far slower"
                  + " than decisions come). Dropping events (arbiter_decision_log_dropped_total)"
                  + " until an insert succeeds",
              TimeUnit.NANOSECONDS.toMillis(fullWaitNanos));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    droppedEvents.increment();
    event.settle();
  }

  private void late(OutboxEvent event) {
    droppedEvents.increment();
    event.settle();
    if (lateAfterClose.compareAndSet(false, true)) {
      log.error(
          "A decision event came after the decision log closed (a request outlived the"
              + " shutdown's wait) and is dropped; counted in"
              + " arbiter_decision_log_dropped_total{kind=\"event\"}");
    }
  }

  /**
   * A writer thread: takes what is queued (up to {@code batchSize} of each kind) and inserts it,
   * events first; parks while both queues are empty. Writers share the queues, so each batch goes
   * to whichever writer is free.
   */
  private final class Writer implements Runnable {
    Thread thread;
    // true until the writer first finds both queues empty: what is queued before it starts is
    // not yet written
    volatile boolean busy = true;
    // whether the writer is parked (or about to park) waiting for work
    volatile boolean idle;
    // whether the writer is gathering a batch (gather()): it takes what arrives meanwhile
    volatile boolean gathering;

    @Override
    public void run() {
      List<StoredTrace> traceBatch = new ArrayList<>();
      List<OutboxEvent> eventBatch = new ArrayList<>();
      long backoff = 0;
      while (running
          || !traces.isEmpty()
          || !events.isEmpty()
          || !traceBatch.isEmpty()
          || !eventBatch.isEmpty()) {
        try {
          if (traceBatch.isEmpty() && eventBatch.isEmpty()) {
            if (!gather()) {
              awaitWork();
              continue;
            }
            traces.drainTo(traceBatch, batchSize);
            events.drainTo(eventBatch, batchSize);
            if (traceBatch.isEmpty() && eventBatch.isEmpty()) {
              awaitWork();
              continue;
            }
            if (!events.isEmpty() || !traces.isEmpty()) {
              // more than a batch is queued: another writer takes the next one
              wake(events.isEmpty() ? traces : events);
            }
          }
          if (!eventBatch.isEmpty()) {
            write(
                eventBatch,
                repository::insertEvents,
                writtenEvents,
                droppedEvents,
                "event",
                OutboxEvent::settle);
          }
          if (!traceBatch.isEmpty()) {
            write(
                traceBatch,
                repository::insertTraces,
                writtenTraces,
                droppedTraces,
                "trace",
                t -> {});
          }
          backoff = 0;
          failing = false;
          if (stalled.compareAndSet(true, false) && quietSince(lastRecoveryLog)) {
            log.info("The decision log writes again; events are queued, not dropped");
          }
        } catch (RuntimeException e) {
          failing = true;
          writeFailures.increment();
          // Nobody waits for an event through an outage (a Respond waits for its decision's):
          // those in hand and queued are told now; they stay here to be written.
          eventBatch.forEach(OutboxEvent::settle);
          events.forEach(OutboxEvent::settle);
          backoff = backoff == 0 ? 250 : Math.min(backoff * 2, 5000);
          log.warn(
              "Could not write {} traces and {} events ({}); retrying in {} ms",
              traceBatch.size(),
              eventBatch.size(),
              e.getMessage(),
              backoff);
          if (!running) {
            // Shutting down and the database still fails: what is in hand and queued is lost,
            // and counted as dropped (one more attempt per batch would outlast the shutdown).
            int lostTraces = traceBatch.size() + traces.drainTo(traceBatch);
            int lostEvents = eventBatch.size() + events.drainTo(eventBatch);
            eventBatch.forEach(OutboxEvent::settle);
            traceBatch.clear();
            eventBatch.clear();
            droppedTraces.increment(lostTraces);
            droppedEvents.increment(lostEvents);
            log.error(
                "Shutting down while the database fails: {} traces and {} events are lost",
                lostTraces,
                lostEvents);
            continue;
          }
          pause(backoff);
        }
      }
      busy = false;
    }

    /**
     * Inserts {@code batch} and clears it. An item the database refuses for good (it violates a
     * constraint) or that cannot be serialised would fail its batch on every retry and hold every
     * later item back; so a batch that fails that way is inserted again one item at a time, and
     * what is refused is dropped, counted and logged. Any other failure (the database is down,
     * busy, or the connection broke) propagates, and the batch is retried: inserts ignore ids
     * already stored, so nothing is stored twice, and items settled one by one before the failure
     * are taken out of the batch, so nothing is counted twice. {@code done} is told of each item
     * once it is stored or dropped.
     */
    private <T> void write(
        List<T> batch,
        Consumer<List<T>> insert,
        Counter written,
        Counter dropped,
        String kind,
        Consumer<T> done) {
      try {
        insert.accept(batch);
        written.increment(batch.size());
        batch.forEach(done);
      } catch (DataIntegrityViolationException | JacksonException e) {
        int refused = 0;
        int settled = 0;
        try {
          for (T item : batch) {
            try {
              insert.accept(List.of(item));
              written.increment();
            } catch (DataIntegrityViolationException | JacksonException one) {
              refused++;
              log.error("Dropping a {} the database refuses: {}", kind, one.getMessage());
            }
            done.accept(item);
            settled++;
          }
        } finally {
          // When another failure cuts this short, the batch is retried without what was settled
          // here: counted once, and the refused item not tried (and dropped) again.
          dropped.increment(refused);
          batch.subList(0, settled).clear();
        }
      }
      batch.clear();
    }

    /** Backs off for {@code ms}, or until {@link #close} stops the log. */
    private void pause(long ms) {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
      long left;
      while (running && (left = deadline - System.nanoTime()) > 0) {
        LockSupport.parkNanos(this, left);
        Thread.interrupted(); // nothing interrupts a writer; a stray interrupt must not spin it
      }
    }

    /**
     * With {@code linger} set and less than a batch queued (but something), waits until a batch is
     * queued or {@code linger} has passed, so that one insert and one commit carry what arrives
     * meanwhile instead of a transaction each for a few items. Meanwhile new items do not wake
     * another writer ({@link #wake}); a full batch wakes this one. Not while the writers fail (a
     * full queue then drops) or after {@link #close}.
     *
     * @return false when nothing was queued: the writer waits for work ({@link #awaitWork}) rather
     *     than take what arrives the next instant as a batch of its own, which would leave the rest
     *     of a burst to wait out a linger of its own
     */
    private boolean gather() {
      if (lingerNanos == 0 || failing) {
        return true;
      }
      if (running && events.isEmpty() && traces.isEmpty()) {
        return false;
      }
      gathering = true;
      try {
        long deadline = System.nanoTime() + lingerNanos;
        long left;
        while (running
            && (!events.isEmpty() || !traces.isEmpty())
            && events.size() < fullBatch
            && traces.size() < fullBatch
            && (left = deadline - System.nanoTime()) > 0) {
          LockSupport.parkNanos(this, left);
        }
      } finally {
        gathering = false;
      }
      return true;
    }

    /**
     * Parks the writer until a trace or an event is queued ({@link #wake}), or for at most {@value
     * #IDLE_PARK_MILLIS} ms. While the writer is writing, what arrives waits for the next batch, so
     * under load batches grow with the database's commit time and a wake-up costs nothing.
     */
    private void awaitWork() {
      idle = true;
      busy = false;
      if (traces.isEmpty() && events.isEmpty() && running) {
        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(IDLE_PARK_MILLIS));
      }
      busy = true;
      idle = false;
    }
  }

  /**
   * After an item was added to {@code added}: unparks one writer that waits for work, if any,
   * unless a writer is gathering a batch (it takes the item; a full batch in {@code added} unparks
   * it); a parking writer re-checks the queues after it says it is idle, so no item is left waiting
   * for the park's timeout.
   */
  private void wake(BlockingQueue<?> added) {
    for (Writer w : writers) {
      if (w.gathering) {
        // it takes what arrives; once a batch is queued it should not wait for more
        if (added.size() >= fullBatch) {
          LockSupport.unpark(w.thread);
        }
        return;
      }
    }
    for (Writer w : writers) {
      if (w.idle) {
        LockSupport.unpark(w.thread);
        return;
      }
    }
  }

  /** Whether {@code last} is a minute old or more; if so, it becomes now. */
  private static boolean quietSince(AtomicLong last) {
    long now = System.nanoTime();
    long then = last.get();
    return now - then >= LOG_EVERY_NANOS && last.compareAndSet(then, now);
  }

  /** Waits until everything queued so far is written (for tests and shutdown). */
  public boolean awaitIdle(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (traces.isEmpty() && events.isEmpty() && noneBusy()) {
        return true;
      }
      sleep(10);
    }
    return false;
  }

  private boolean noneBusy() {
    for (Writer w : writers) {
      if (w.busy) {
        return false;
      }
    }
    return true;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops taking new work and writes what is queued, waiting at most 10 s. */
  @Override
  public void close() {
    awaitIdle(Duration.ofSeconds(10));
    running = false;
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    for (Writer w : writers) {
      LockSupport.unpark(w.thread);
    }
    try {
      for (Writer w : writers) {
        w.thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Writer w : writers) {
      if (w.thread.isAlive()) {
        // Still writing (the database is slow or hangs): what is queued is still its to write, and
        // is not counted as dropped, for it may yet be written; but the process may exit first.
        log.error(
            "The decision log's writers are still writing after the shutdown's wait (the database"
                + " is slow or hangs): {} events and {} traces still queued, and the batches the"
                + " writers hold, are lost if the process exits before they are written",
            events.size(),
            traces.size());
        return;
      }
    }
    // Queued by a request that saw the log open just before close() ended it, after the writers'
    // last look: nobody will write it.
    int lostTraces = traces.drainTo(new ArrayList<>());
    List<OutboxEvent> lost = new ArrayList<>();
    int lostEvents = events.drainTo(lost);
    lost.forEach(OutboxEvent::settle);
    if (lostTraces + lostEvents > 0) {
      droppedTraces.increment(lostTraces);
      droppedEvents.increment(lostEvents);
      log.error(
          "{} traces and {} events were queued after the decision log's writers stopped, and are"
              + " lost",
          lostTraces,
          lostEvents);
    }
  }
}
