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
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes decision traces and decision events off the request path: requests put them on bounded
 * queues and return; one writer thread inserts them in batches. The writer wakes for whichever
 * queue gets work first and takes everything queued (up to {@code batchSize} of each) per insert,
 * so a batch holds what arrived during the previous insert and its commit. (It used to wait for a
 * trace before taking events, so with tracing off or rare it took at most one batch of events per
 * 50 ms and dropped the rest above 10,000 decisions/s; see bench/RESULTS.md.) A full queue drops
 * the item and counts it ({@code arbiter_decision_log_dropped_total{kind}}) rather than slow a
 * decision. If the database is down the writer keeps the batch in hand and retries with backoff; on
 * close it drains what is queued within the shutdown budget.
 */
public class DecisionLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DecisionLog.class);

  private final DecisionLogRepository repository;
  private final BlockingQueue<StoredTrace> traces;
  private final BlockingQueue<OutboxEvent> events;
  private final int batchSize;
  private final Counter droppedTraces;
  private final Counter droppedEvents;
  private final Counter writeFailures;
  private final Counter writtenTraces;
  private final Counter writtenEvents;
  private final Thread writer;
  private volatile boolean running = true;
  // true until the writer first finds both queues empty: what is queued before it starts is not
  // yet written
  private volatile boolean busy = true;
  // whether the writer is parked (or about to park) waiting for work
  private volatile boolean idle;

  /** The longest the idle writer sleeps without a wake-up (it re-checks the queues then). */
  static final long IDLE_PARK_MILLIS = 50;

  /**
   * @param capacity items each queue holds before it drops
   * @param batchSize most items one insert writes
   */
  public DecisionLog(
      DecisionLogRepository repository, MeterRegistry meters, int capacity, int batchSize) {
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
    this.writer = Thread.ofPlatform().daemon().name("arbiter-decision-log").start(this::run);
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

  /** Queues a trace; never blocks. */
  public void trace(StoredTrace trace) {
    if (traces.offer(trace)) {
      wake();
    } else {
      droppedTraces.increment();
    }
  }

  /** Queues an event; never blocks. */
  public void event(OutboxEvent event) {
    if (events.offer(event)) {
      wake();
    } else {
      droppedEvents.increment();
    }
  }

  private void run() {
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
          traces.drainTo(traceBatch, batchSize);
          events.drainTo(eventBatch, batchSize);
          if (traceBatch.isEmpty() && eventBatch.isEmpty()) {
            awaitWork();
            continue;
          }
        }
        if (!eventBatch.isEmpty()) {
          repository.insertEvents(eventBatch);
          writtenEvents.increment(eventBatch.size());
          eventBatch.clear();
        }
        if (!traceBatch.isEmpty()) {
          repository.insertTraces(traceBatch);
          writtenTraces.increment(traceBatch.size());
          traceBatch.clear();
        }
        backoff = 0;
      } catch (RuntimeException e) {
        writeFailures.increment();
        backoff = backoff == 0 ? 250 : Math.min(backoff * 2, 5000);
        log.warn(
            "Could not write {} traces and {} events ({}); retrying in {} ms",
            traceBatch.size(),
            eventBatch.size(),
            e.getMessage(),
            backoff);
        if (!running) {
          log.error(
              "Shutting down: {} traces and {} events are lost",
              traceBatch.size(),
              eventBatch.size());
          traceBatch.clear();
          eventBatch.clear();
          continue;
        }
        sleep(backoff);
      }
    }
    busy = false;
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

  /** Unparks the writer if it waits for work; the park re-checks the queues, so none is missed. */
  private void wake() {
    if (idle) {
      LockSupport.unpark(writer);
    }
  }

  /** Waits until everything queued so far is written (for tests and shutdown). */
  public boolean awaitIdle(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (traces.isEmpty() && events.isEmpty() && !busy) {
        return true;
      }
      sleep(10);
    }
    return false;
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
    LockSupport.unpark(writer);
    try {
      writer.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
