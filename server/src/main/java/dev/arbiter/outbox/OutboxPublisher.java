package dev.arbiter.outbox;

import dev.arbiter.db.NotificationListener;
import dev.arbiter.shared.Ids;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Relays the outbox to Kafka: claims due {@code pending} rows in id order, sends each as a
 * CloudEvents structured-mode record (key = the row's partition key, value = the stored CloudEvent,
 * header {@code content-type: application/cloudevents+json}) and marks a row {@code published} only
 * after the broker acknowledged it (idempotent producer, {@code acks=all}).
 *
 * <p>Guarantees: at-least-once. A row is never lost: a process that dies between claim and mark
 * leaves it {@code processing}, and the reaper puts it back to {@code pending}, so consumers may
 * see an event twice and should deduplicate by CloudEvent id. One publisher keeps the order of a
 * customer's events (claims and sends are in id order, and Kafka keeps one key's order); a retried
 * event, or several publishers on one database, can reorder them.
 *
 * <p>A failed attempt is retried after an exponential backoff with jitter. Failures that say the
 * broker or database is unavailable never use up an event: they are retried indefinitely (at most
 * every 30 s) while this publisher waits as well. Any other failure counts, and after {@code
 * maxAttempts} the row becomes {@code failed} (a dead letter, retried by an admin).
 *
 * <p>One worker thread claims and sends, one settler thread marks what the broker acknowledged; the
 * worker wakes on {@code NOTIFY arbiter_outbox} (inserts) and otherwise every poll interval. {@link
 * #close()} stops claiming and lets the batch in flight finish within the drain timeout; what is
 * still unacknowledged then goes back to {@code pending}.
 */
public final class OutboxPublisher implements AutoCloseable {
  /** The NOTIFY channel writers signal after committing events (db.DebouncedNotifier). */
  public static final String CHANNEL = "arbiter_outbox";

  /** Consecutive non-transient failed loops after which the publisher gives up. */
  public static final int SUSTAINED_FAILURES = 30;

  private static final Logger log = LoggerFactory.getLogger(OutboxPublisher.class);
  private static final RecordHeader CONTENT_TYPE =
      new RecordHeader(
          "content-type", "application/cloudevents+json".getBytes(StandardCharsets.UTF_8));
  private static final Duration TRANSIENT_RETRY_CAP = Duration.ofSeconds(30);
  // Counting a large backlog costs the database ~0.1 s per 100k rows: once per tick, and at most
  // every 5 s while a backlog drains (where it would otherwise take ~10% of the relay's time).
  private static final Duration STATS_INTERVAL_TICK = Duration.ofSeconds(1);
  private static final Duration STATS_INTERVAL_DRAINING = Duration.ofSeconds(5);

  /** What a supervisor learns from the publisher. Called on the worker thread. */
  public interface Listener {
    /** Every loop, also when idle, and every batch while draining: proof of life. */
    default void onTick() {}

    /** After {@link #SUSTAINED_FAILURES} consecutive non-transient failures. */
    default void onSustainedFailure(String lastError) {}
  }

  private final OutboxStore store;
  private final OutboxMaintenance maintenance;
  private final OutboxProperties props;
  private final Supplier<Producer<String, byte[]>> producers;
  private final OutboxMetrics metrics;
  private final Listener listener;
  private final Clock clock;
  private final Object signal = new Object();
  private boolean signalled;
  private volatile boolean running;
  private volatile long drainDeadline = Long.MAX_VALUE;
  private Thread worker;
  private ExecutorService settler;
  private NotificationListener notifications;
  private Producer<String, byte[]> producer;
  private int consecutiveFailures;
  private int transientStreak;
  private long nextReapNanos;
  private Duration waitBackoff = Duration.ZERO;
  private volatile String lastError;
  private volatile boolean lastErrorTransient;
  private volatile Instant lastSuccess;

  /** This process's row in {@code outbox_publishers}: its host's name, else "publisher". */
  static final String PUBLISHER_NAME = hostName();

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException | RuntimeException e) {
      return "publisher";
    }
  }

  public OutboxPublisher(
      OutboxStore store,
      OutboxMaintenance maintenance,
      OutboxProperties props,
      Supplier<Producer<String, byte[]>> producers,
      OutboxMetrics metrics,
      Listener listener,
      Clock clock) {
    this.store = store;
    this.maintenance = maintenance;
    this.props = props;
    this.producers = producers;
    this.metrics = metrics;
    this.listener = listener;
    this.clock = clock;
  }

  /** A publisher to the Kafka cluster of {@code props}; not started. */
  public static OutboxPublisher toKafka(
      OutboxStore store,
      OutboxMaintenance maintenance,
      OutboxProperties props,
      OutboxMetrics metrics,
      Listener listener,
      Clock clock) {
    return new OutboxPublisher(
        store, maintenance, props, () -> KafkaClients.producer(props), metrics, listener, clock);
  }

  /**
   * Starts the worker and, when {@code listenConnections} is given, LISTENs for inserts on a
   * connection of its own (null: poll only).
   */
  public synchronized OutboxPublisher start(Callable<Connection> listenConnections) {
    if (running) {
      throw new IllegalStateException("already started");
    }
    running = true;
    if (listenConnections != null) {
      // Also wake after (re)connecting: inserts made while not listening went unannounced.
      notifications =
          new NotificationListener(
              CHANNEL, listenConnections, p -> wake(), this::wake, () -> {}, clock);
    }
    settler =
        Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("arbiter-outbox-settler").unstarted(r));
    worker = Thread.ofPlatform().name("arbiter-outbox-publisher").start(this::run);
    return this;
  }

  /** Makes the worker look for work now instead of at its next tick. */
  public void wake() {
    synchronized (signal) {
      signalled = true;
      signal.notifyAll();
    }
  }

  /** Whether LISTEN is active (inserts wake the worker at once). */
  public boolean listening() {
    return notifications != null && notifications.listening();
  }

  /** The last failure of the loop or of a send, or null after a clean loop. */
  public String lastError() {
    return lastError;
  }

  public boolean lastErrorTransient() {
    return lastErrorTransient;
  }

  /** When the broker last acknowledged a batch; null if never. */
  public Instant lastSuccess() {
    return lastSuccess;
  }

  private void run() {
    while (running) {
      Duration wait = props.pollInterval();
      boolean pause = false;
      try {
        loop();
        if (!waitBackoff.isZero()) {
          // After failures in a row (an outage, or the broker refusing the publisher) the pause is
          // taken whole, however it compares with the poll interval: it grows with each failure up
          // to TRANSIENT_RETRY_CAP, which is what spreads the failures that count toward giving up
          // (exit 3) over minutes. Otherwise come back when the first failed event is due, if
          // that is sooner than the next poll.
          wait = transientStreak > 0 ? waitBackoff : min(waitBackoff, wait);
        }
        pause = transientStreak > 0;
      } catch (RuntimeException e) {
        wait = failed(e);
        pause = true;
      }
      // While the broker or database is away, inserts must not wake us into another futile try.
      await(wait, !pause);
    }
  }

  /** One pass: liveness, housekeeping, then batches until the due work is done. */
  private void loop() {
    listener.onTick();
    metrics.ticked(clock.millis());
    maintenance.publisherAlive(PUBLISHER_NAME);
    long now = System.nanoTime();
    if (now - nextReapNanos >= 0) {
      maintenance.reap();
      nextReapNanos = now + reapInterval().toNanos();
    }
    refreshStats(STATS_INTERVAL_TICK);
    waitBackoff = Duration.ZERO;
    boolean cleanPass = true;
    int passPublished = 0;
    // While one batch waits for the broker and is marked published (on the settler thread, on a
    // connection of its own), the next is claimed and sent: broker and database, and two database
    // backends, work at the same time. Send order is claim order, which keeps Kafka's per-key
    // order.
    InFlight unsettled = null;
    try {
      while (running) {
        // A backlog drains in one pass of many batches, each of which may wait for the broker:
        // prove life at every batch, or a liveness probe kills a publisher busy with a backlog.
        listener.onTick();
        metrics.ticked(clock.millis());
        refreshStats(STATS_INTERVAL_DRAINING);
        InFlight previous = unsettled;
        unsettled = null;
        Future<BatchResult> settling =
            previous == null ? null : settler.submit(() -> settle(previous));
        InFlight sent = null;
        BatchResult done = null;
        try {
          sent = send();
        } finally {
          if (settling != null) {
            try {
              done = join(settling);
            } catch (RuntimeException | Error e) {
              // The previous batch could not be settled (the database failed): this one is in the
              // producer's hands already, so it is settled on the way out like any batch in flight,
              // not left claimed until the reaper sends it again after later batches.
              unsettled = sent;
              throw e;
            }
          }
        }
        // A claim holds up to a batch of events in whole rows, so a backlog can make a claim less
        // than full: only an empty claim ends the pass.
        boolean more = sent != null;
        BatchResult failed = done != null && done.failure != null ? done : null;
        int published = done == null ? 0 : done.published;
        if (sent != null && (!more || failed != null || !running)) {
          BatchResult last = settle(sent);
          published += last.published;
          if (failed == null && last.failure != null) {
            failed = last;
          }
        } else if (sent != null) {
          unsettled = sent;
        }
        passPublished += published;
        if (failed != null) {
          cleanPass = false;
          // Come back when the first failed event is due again, not a whole poll interval later.
          waitBackoff = failed.retryIn;
          if (failed.transientFailure || failed.refusedPublisher) {
            transientStreak++;
            Duration pause = backoff(Math.min(transientStreak, 16), TRANSIENT_RETRY_CAP);
            waitBackoff = pause.compareTo(failed.retryIn) > 0 ? pause : failed.retryIn;
          }
          if (failed.transientFailure) {
            logFailure(failed.failure, true);
          } else if (published == 0 || failed.refusedPublisher) {
            countFailure(failed.failure);
          }
          break;
        }
        if (!more) {
          break;
        }
      }
    } finally {
      if (unsettled != null) {
        settleQuietly(unsettled);
      }
    }
    // Only a pass that published proves the way to Kafka works: an empty pass (the failed events
    // are waiting out their backoff) must not reset the count toward giving up (exit 3).
    if (cleanPass && passPublished > 0) {
      consecutiveFailures = 0;
      transientStreak = 0;
      lastError = null;
    }
  }

  /** Settles a batch still in flight after the loop failed; its events stay claimed otherwise. */
  private void settleQuietly(InFlight f) {
    try {
      settle(f);
    } catch (RuntimeException e) {
      // The database failed too: these stay processing until the reaper puts them back.
      log.debug("Could not settle {} outbox events: {}", f.batch.size(), e.getMessage());
    }
  }

  private static BatchResult join(Future<BatchResult> f) {
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new org.apache.kafka.common.errors.InterruptException(e);
    }
  }

  private Duration reapInterval() {
    Duration half = props.reaperStaleness().dividedBy(2);
    if (half.compareTo(Duration.ofSeconds(1)) < 0) {
      return Duration.ofSeconds(1);
    }
    return half.compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1) : half;
  }

  private void refreshStats(Duration interval) {
    maintenance.stats(interval);
  }

  /**
   * @param transientFailure every failure was transient (the broker or database unreachable or
   *     slow)
   * @param refusedPublisher some failure was the broker refusing this publisher ({@link
   *     Failures#refusesPublisher}): the events keep their attempts, the publisher pauses as for a
   *     transient failure, and it counts toward giving up
   */
  private record BatchResult(
      int claimed,
      int published,
      Throwable failure,
      boolean transientFailure,
      boolean refusedPublisher,
      Duration retryIn) {}

  /**
   * A claimed batch of rows handed to the producer, with its acknowledgements as they arrive. A row
   * holds one event or several, each sent as a record of its own; the row counts as acknowledged
   * when all of its records are, and as failed with the first error any of them gets.
   */
  private static final class InFlight {
    final List<ClaimedEvent> batch;
    final long[] ackedAt;
    final long[] lastAck;
    final Throwable[] errors;
    // per row, its records not yet acknowledged or failed (written under the lock)
    final int[] outstanding;
    final CountDownLatch done;
    // per row, its records handed to the producer
    final int[] handed;
    RuntimeException sendFailure;

    InFlight(List<ClaimedEvent> batch) {
      this.batch = batch;
      this.ackedAt = new long[batch.size()];
      this.lastAck = new long[batch.size()];
      this.errors = new Throwable[batch.size()];
      this.outstanding = new int[batch.size()];
      for (int i = 0; i < batch.size(); i++) {
        outstanding[i] = batch.get(i).records().size();
      }
      this.done = new CountDownLatch(batch.size());
      this.handed = new int[batch.size()];
    }

    /**
     * After send() failed: rows of which nothing was handed over go back unsent; the records of a
     * row partly handed over that never will be count as failed with {@code e}, so the row settles
     * once those handed over do.
     */
    void unsent(RuntimeException e) {
      for (int i = 0; i < batch.size(); i++) {
        if (batch.get(i).unreadable() != null) {
          continue;
        }
        int missing = batch.get(i).records().size() - handed[i];
        if (missing == 0) {
          continue;
        }
        for (int k = 0; k < missing; k++) {
          settled(i, 0, e);
        }
      }
    }

    /**
     * A record of row {@code i} was acknowledged ({@code ex} null) or failed. The row's
     * acknowledgement time is set only once every record of it is acknowledged: a row some of whose
     * records are still out when the batch is settled counts as neither sent nor failed.
     */
    synchronized void settled(int i, long at, Exception ex) {
      if (ex != null && errors[i] == null) {
        errors[i] = ex;
      }
      lastAck[i] = Math.max(lastAck[i], ex == null ? at : 0);
      if (--outstanding[i] == 0) {
        if (errors[i] == null) {
          ackedAt[i] = lastAck[i];
        }
        done.countDown();
      }
    }

    /**
     * Whether none of row {@code i}'s records reached the producer before send() failed: the row
     * goes back unsent, its attempt not counted.
     */
    boolean neverSent(int i) {
      return sendFailure != null && handed[i] == 0 && batch.get(i).unreadable() == null;
    }

    /** A copy of the outcomes so far, taken under the lock the callbacks write them under. */
    synchronized Outcomes outcomes() {
      return new Outcomes(ackedAt.clone(), errors.clone());
    }
  }

  private record Outcomes(long[] ackedAt, Throwable[] errors) {}

  /** Claims a batch and hands it to the producer; null when nothing is due. */
  private InFlight send() {
    List<ClaimedEvent> batch = store.claim(props.batchSize());
    if (batch.isEmpty()) {
      return null;
    }
    InFlight f = new InFlight(batch);
    int n = batch.size();
    // Every record of the claim in event id order, as a claim of rows of one event each was sent:
    // rows written by different writers or nodes hold interleaved ids, and one customer's events
    // keep their order only if the records are sent in id order across rows.
    List<int[]> order = new ArrayList<>(); // {row, record}
    for (int i = 0; i < n; i++) {
      ClaimedEvent e = batch.get(i);
      if (e.unreadable() != null) {
        f.errors[i] = new UnreadableEventException(e.unreadable());
        f.done.countDown(); // it has no records (outstanding 0)
        continue;
      }
      for (int k = 0; k < e.records().size(); k++) {
        order.add(new int[] {i, k});
      }
    }
    order.sort(Comparator.comparing((int[] o) -> batch.get(o[0]).records().get(o[1]).id()));
    try {
      Producer<String, byte[]> p = producer();
      for (int[] o : order) {
        int i = o[0];
        ClaimedEvent.Record r = batch.get(i).records().get(o[1]);
        Future<RecordMetadata> handed =
            p.send(
                new ProducerRecord<>(
                    props.topic(), null, r.key(), r.value(), List.of(CONTENT_TYPE)),
                (meta, ex) -> f.settled(i, System.currentTimeMillis(), ex));
        f.handed[i]++;
        if (handed.isDone() && refusedAtOnce(handed) instanceof TimeoutException gaveUp) {
          // The producer waited max.block.ms for the topic's metadata (no broker answers) and
          // failed this record through its callback instead of throwing: every next record of
          // the batch would wait as long again, which for a batch of 500 is most of an hour.
          throw gaveUp;
        }
      }
    } catch (RuntimeException e) {
      // send() itself failed (a closed producer), or gave up on the topic's metadata within
      // max.block.ms (above): some records were never handed to the producer. A row none of whose
      // records were handed over goes back unsent; one partly handed over waits for what was, and
      // is then retried whole.
      f.sendFailure = e;
      f.unsent(e);
    }
    return f;
  }

  /** What a send the producer already completed failed with, or null if it succeeded. */
  private static Throwable refusedAtOnce(Future<RecordMetadata> handed) {
    try {
      handed.get();
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /**
   * Waits for a batch's acknowledgements and records the outcome of each row (of one event or
   * several); the metrics count events.
   */
  private BatchResult settle(InFlight f) {
    List<ClaimedEvent> batch = f.batch;
    int n = batch.size();
    Throwable sendFailure = f.sendFailure;
    boolean complete = awaitAcks(f.done);
    // a row counts as acknowledged only once all its records are: see InFlight.settled
    Outcomes outcomes = f.outcomes();
    long[] ackedAt = outcomes.ackedAt();
    Throwable[] errors = outcomes.errors();
    List<String> published = new ArrayList<>();
    int publishedEvents = 0;
    int retriedEvents = 0;
    List<OutboxStore.Failure> failures = new ArrayList<>();
    List<String> unsent = new ArrayList<>();
    Throwable first = sendFailure;
    boolean allTransient = sendFailure == null || Failures.isTransient(sendFailure);
    // a failure of the publisher itself (credentials, permissions): no event's fault
    boolean refused = sendFailure != null && Failures.refusesPublisher(sendFailure);
    int deadLetters = 0; // events
    for (int i = 0; i < n; i++) {
      ClaimedEvent e = batch.get(i);
      if (f.neverSent(i)) {
        unsent.add(e.id());
      } else if (ackedAt[i] != 0) {
        published.add(e.id());
        publishedEvents += e.eventCount();
        Duration latency = Duration.ofMillis(ackedAt[i] - e.insertedAt().toEpochMilli());
        for (int k = 0; k < e.eventCount(); k++) {
          metrics.latency(latency);
        }
      } else if ((errors[i] == null && !complete) || Failures.abortedByClose(errors[i])) {
        // Neither acknowledged nor failed before the drain deadline: it may yet arrive, so the
        // event goes back for another attempt (a duplicate is possible, a loss is not). Likewise
        // a record dropped because this publisher closed its producer (drain deadline, or another
        // batch broke it): it never reached the broker, so the attempt does not count.
        unsent.add(e.id());
      } else {
        Throwable ex = errors[i];
        boolean tr = Failures.isTransient(ex);
        boolean refusal = Failures.refusesPublisher(ex);
        boolean notTheEvent = tr || refusal;
        allTransient &= tr;
        refused |= refusal;
        // the error reported: a refusal of the publisher before any other (it is what to mend)
        if (first == null || refusal && !Failures.refusesPublisher(first)) {
          first = ex;
        }
        if (Failures.breaksProducer(ex)) {
          closeProducer();
        }
        boolean dead = !notTheEvent && e.attempts() >= props.maxAttempts();
        deadLetters += dead ? e.eventCount() : 0;
        retriedEvents += dead ? 0 : e.eventCount();
        Duration delay =
            backoff(
                e.attempts(),
                notTheEvent ? min(TRANSIENT_RETRY_CAP, props.retryBackoffMax()) : null);
        failures.add(
            new OutboxStore.Failure(e.id(), Failures.describe(ex), delay, dead, !notTheEvent));
        if (dead) {
          log.warn(
              "Outbox event {} ({} events in its row) failed {} times and is dead-lettered: {}",
              e.id(),
              e.eventCount(),
              e.attempts(),
              Failures.describe(ex));
        }
      }
    }
    if (sendFailure != null && Failures.breaksProducer(sendFailure)) {
      closeProducer();
    }
    if (!complete) {
      // The producer neither delivered nor expired these in time. An idempotent producer that
      // cannot reach any broker to get a producer id holds its batches without expiring them, so
      // a fresh producer is the way out; the events go back unharmed and will be sent again.
      if (first == null) {
        first =
            new org.apache.kafka.common.errors.TimeoutException(
                "no acknowledgement within " + props.sendTimeout().plusSeconds(10));
      }
      closeProducer();
    }
    store.markPublished(published);
    store.markFailed(failures);
    store.release(unsent);
    metrics.published(publishedEvents);
    metrics.failed(deadLetters);
    metrics.retried(retriedEvents);
    if (!published.isEmpty()) {
      lastSuccess = clock.instant();
    }
    Duration retryIn =
        failures.stream()
            .filter(x -> !x.deadLetter())
            .map(OutboxStore.Failure::delay)
            .min(Duration::compareTo)
            .orElse(props.pollInterval());
    return new BatchResult(
        n, publishedEvents, first, first != null && allTransient, refused, retryIn);
  }

  private boolean awaitAcks(CountDownLatch done) {
    // delivery.timeout.ms bounds every send; the margin covers a slow callback thread.
    long limit = System.nanoTime() + props.sendTimeout().plusSeconds(10).toNanos();
    try {
      while (true) {
        long deadline = Math.min(limit, drainDeadline);
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return done.getCount() == 0;
        }
        if (done.await(Math.min(left, 200_000_000L), TimeUnit.NANOSECONDS)) {
          return true;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return done.getCount() == 0;
    }
  }

  private synchronized Producer<String, byte[]> producer() {
    if (producer == null) {
      producer = producers.get();
    }
    return producer;
  }

  private void closeProducer() {
    Producer<String, byte[]> p;
    synchronized (this) {
      p = producer;
      producer = null;
    }
    if (p != null) {
      try {
        p.close(Duration.ofSeconds(1));
      } catch (RuntimeException e) {
        log.debug("Closing the Kafka producer failed: {}", e.getMessage());
      }
    }
  }

  /** Exponential backoff with "equal jitter": half fixed, half random, never above the cap. */
  private Duration backoff(int attempts, Duration cap) {
    Duration max = cap != null ? cap : props.retryBackoffMax();
    long base = props.retryBackoff().toMillis();
    int shift = Math.max(0, Math.min(attempts - 1, 30));
    long exp = base > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : base << shift;
    long capped = Math.min(exp, max.toMillis());
    long half = capped / 2;
    return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(capped - half + 1));
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** The loop threw (the database, most likely): log, count, and say how long to wait. */
  private Duration failed(RuntimeException e) {
    if (Failures.isTransient(e)) {
      logFailure(e, true);
      return backoff(Math.min(++transientStreak, 16), TRANSIENT_RETRY_CAP);
    }
    countFailure(e);
    // Not an outage, so waiting longer will not help; a steady pace counts toward giving up.
    return props.pollInterval();
  }

  private void countFailure(Throwable e) {
    consecutiveFailures++;
    logFailure(e, false);
    if (consecutiveFailures >= SUSTAINED_FAILURES) {
      log.error(
          "Outbox publisher failed {} times in a row; giving up: {}",
          consecutiveFailures,
          Failures.describe(e));
      listener.onSustainedFailure(Failures.describe(e));
    }
  }

  private void logFailure(Throwable e, boolean isTransient) {
    lastError = Failures.describe(e);
    lastErrorTransient = isTransient;
    String errorId = Ids.newId();
    MDC.put("errorId", errorId);
    MDC.put("isTransient", Boolean.toString(isTransient));
    try {
      if (isTransient) {
        log.warn("Outbox publishing paused, will retry (errorId {}): {}", errorId, lastError);
      } else {
        log.error("Outbox publishing failed (errorId {}): {}", errorId, lastError, e);
      }
    } finally {
      MDC.remove("errorId");
      MDC.remove("isTransient");
    }
  }

  private void await(Duration d, boolean wakeOnSignal) {
    long until = System.nanoTime() + d.toNanos();
    synchronized (signal) {
      try {
        while (running && !(wakeOnSignal && signalled)) {
          long left = until - System.nanoTime();
          if (left <= 0) {
            break;
          }
          signal.wait(Math.max(1, left / 1_000_000));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        running = false;
      }
      signalled = false;
    }
  }

  /**
   * Stops claiming, waits up to the drain timeout for the batch in flight to be acknowledged and
   * settled, then closes the producer. Idempotent.
   */
  @Override
  public void close() {
    Thread w;
    synchronized (this) {
      if (!running && worker == null) {
        return;
      }
      running = false;
      w = worker;
      worker = null;
    }
    long drainNanos = props.drainTimeout().toNanos();
    drainDeadline = System.nanoTime() + drainNanos;
    if (notifications != null) {
      notifications.close();
    }
    wake();
    if (w != null) {
      try {
        // The worker itself stops waiting for acks at the deadline; the margin lets it settle.
        if (!w.join(Duration.ofNanos(drainNanos).plusSeconds(5))) {
          log.warn("Outbox publisher did not drain within {}", props.drainTimeout());
          w.interrupt();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    closeProducer();
    if (settler != null) {
      settler.shutdownNow();
    }
  }
}
