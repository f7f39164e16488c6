package dev.arbiter.decision;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Finds the decision a Respond refers to, even a moment after the Recommend made it.
 *
 * <p>The newest decisions made on this node (at most {@code maxRemembered}, each for {@link
 * #MEMORY_TTL} after it was made) are remembered in memory, so a Respond to one of them costs no
 * read. The memory is first in, first out: the oldest remembered decision is the one forgotten, so
 * the decisions a Respond is likeliest to follow are the ones kept. (A frequency-based cache such
 * as Caffeine's keeps whatever got in first when every key is new and written once: under load it
 * forgot nearly every recent decision, see {@code bench/RESULTS.md}.) Any other decision is read
 * from its {@code decision.made.v1} event in the outbox, which the decision log writes in batches
 * some milliseconds after the answer (up to {@code ARBITER_DECISION_LOG_LINGER}, 20 ms by default,
 * plus the insert): a decision id younger than {@link #YOUNG} (its UUIDv7 timestamp tells) that is
 * not there yet is looked up again every 25 ms for up to {@code wait}, so a Respond sent to another
 * node right after the Recommend is accepted. A decision whose event was dropped (the decision
 * log's queue was full; counted) or purged (older than {@code OUTBOX_RETENTION}) is not found. Each
 * lookup is counted by where it was answered ({@code
 * arbiter_decision_lookups_total{source="memory|database|none"}}): many answered by the database
 * say the memory is too small for how long after a decision its Responds come. Thread-safe.
 */
public class RecentDecisions {
  static final Duration MEMORY_TTL = Duration.ofMinutes(30);
  static final Duration YOUNG = Duration.ofSeconds(30);
  static final Duration FUTURE_SKEW = Duration.ofSeconds(5);
  private static final long POLL_MILLIS = 25;

  private final DecisionLogRepository repository;
  private final Clock clock;
  private final Duration wait;
  private final ConcurrentHashMap<String, RecordedDecision> recent;
  // The keys of `recent` in the order remembered; the slot a new key takes holds the oldest one.
  private final AtomicReferenceArray<String> order;
  private final AtomicLong remembered = new AtomicLong();
  private final Counter fromMemory;
  private final Counter fromDatabase;
  private final Counter notFound;

  /** As the full constructor, counting lookups in a registry of its own. */
  public RecentDecisions(
      DecisionLogRepository repository, Clock clock, int maxRemembered, Duration wait) {
    this(repository, clock, maxRemembered, wait, new SimpleMeterRegistry());
  }

  /**
   * @param maxRemembered decisions kept in memory, at least 1
   * @param wait the longest a lookup waits for a young decision's event to be written
   * @param meters where lookups are counted
   */
  public RecentDecisions(
      DecisionLogRepository repository,
      Clock clock,
      int maxRemembered,
      Duration wait,
      MeterRegistry meters) {
    if (maxRemembered < 1) {
      throw new IllegalArgumentException(
          "Expected maxRemembered of at least 1, but got " + maxRemembered);
    }
    this.repository = repository;
    this.clock = clock;
    this.wait = wait;
    this.recent = new ConcurrentHashMap<>(maxRemembered);
    this.order = new AtomicReferenceArray<>(maxRemembered);
    this.fromMemory = lookups(meters, "memory");
    this.fromDatabase = lookups(meters, "database");
    this.notFound = lookups(meters, "none");
  }

  private static Counter lookups(MeterRegistry meters, String source) {
    return Counter.builder("arbiter.decision.lookups")
        .description(
            "Lookups of a decision by Respond, by where it was found: this node's memory of its"
                + " recent decisions, the stored decision event, or nowhere")
        .tag("source", source)
        .register(meters);
  }

  /**
   * Remembers a decision this node just made, once (its id is new), forgetting the oldest one
   * remembered when {@code maxRemembered} are held; never blocks.
   *
   * @param decision with its {@code madeAt}, from which it is remembered for {@link #MEMORY_TTL}
   */
  public void remember(RecordedDecision decision) {
    java.util.Objects.requireNonNull(decision.madeAt(), "madeAt");
    String key = key(decision.tenantId(), decision.decisionId());
    recent.put(key, decision);
    // A key leaves the map when another takes its slot, so the map holds at most maxRemembered
    // (plus one per thread between these lines). Threads a whole ring apart racing for one slot
    // only make one of their decisions be forgotten early.
    int slot = (int) Long.remainderUnsigned(remembered.getAndIncrement(), order.length());
    String oldest = order.getAndSet(slot, key);
    if (oldest != null) {
      recent.remove(oldest);
    }
  }

  /**
   * The decision {@code decisionId} of the tenant, if it exists.
   *
   * @throws org.springframework.dao.DataAccessException when the database cannot be read
   */
  public Optional<RecordedDecision> find(String tenantId, String decisionId) {
    RecordedDecision known = recent.get(key(tenantId, decisionId));
    if (known != null && !clock.instant().isAfter(known.madeAt().plus(MEMORY_TTL))) {
      fromMemory.increment();
      return Optional.of(known);
    }
    Optional<RecordedDecision> stored = findStored(tenantId, decisionId);
    (stored.isPresent() ? fromDatabase : notFound).increment();
    return stored;
  }

  private Optional<RecordedDecision> findStored(String tenantId, String decisionId) {
    Instant issued = issuedAt(decisionId);
    if (issued == null || issued.isAfter(clock.instant().plus(FUTURE_SKEW))) {
      // Not an id a node issued (no node's clock is that far ahead): no need to wait for it.
      return Optional.empty();
    }
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      Optional<RecordedDecision> stored = repository.findDecision(tenantId, decisionId);
      if (stored.isPresent()
          || Duration.between(issued, clock.instant()).compareTo(YOUNG) > 0
          || System.nanoTime() >= deadline) {
        return stored;
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return stored;
      }
    }
  }

  /** The time in a UUIDv7, or null when {@code id} is not one (so no decision has it). */
  static Instant issuedAt(String id) {
    UUID uuid;
    try {
      uuid = UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (uuid.version() != 7 || id.length() != 36) {
      return null;
    }
    return Instant.ofEpochMilli(uuid.getMostSignificantBits() >>> 16);
  }

  private static String key(String tenantId, String decisionId) {
    return tenantId + '\u0000' + decisionId;
  }
}
