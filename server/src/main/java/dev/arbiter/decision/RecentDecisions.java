package dev.arbiter.decision;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Finds the decision a Respond refers to, even a moment after the Recommend made it.
 *
 * <p>Decisions made on this node are remembered in memory (bounded, for {@link #MEMORY_TTL}), so a
 * Respond to one of them costs no read. Any other decision is read from its {@code
 * decision.made.v1} event in the outbox, which the decision log writes in batches a few
 * milliseconds after the answer: a decision id younger than {@link #YOUNG} (its UUIDv7 timestamp
 * tells) that is not there yet is looked up again every 25 ms for up to {@code wait}, so a Respond
 * sent to another node right after the Recommend is accepted. A decision whose event was dropped
 * (the decision log's queue was full; counted) or purged (older than {@code OUTBOX_RETENTION}) is
 * not found. Thread-safe.
 */
public class RecentDecisions {
  static final Duration MEMORY_TTL = Duration.ofMinutes(30);
  static final Duration YOUNG = Duration.ofSeconds(30);
  static final Duration FUTURE_SKEW = Duration.ofSeconds(5);
  private static final long POLL_MILLIS = 25;

  private final DecisionLogRepository repository;
  private final Clock clock;
  private final Duration wait;
  private final Cache<String, RecordedDecision> recent;

  /**
   * @param maxRemembered decisions kept in memory
   * @param wait the longest a lookup waits for a young decision's event to be written
   */
  public RecentDecisions(
      DecisionLogRepository repository, Clock clock, int maxRemembered, Duration wait) {
    this.repository = repository;
    this.clock = clock;
    this.wait = wait;
    this.recent =
        Caffeine.newBuilder().maximumSize(maxRemembered).expireAfterWrite(MEMORY_TTL).build();
  }

  /** Remembers a decision this node just made; never blocks. */
  public void remember(RecordedDecision decision) {
    recent.put(key(decision.tenantId(), decision.decisionId()), decision);
  }

  /**
   * The decision {@code decisionId} of the tenant, if it exists.
   *
   * @throws org.springframework.dao.DataAccessException when the database cannot be read
   */
  public Optional<RecordedDecision> find(String tenantId, String decisionId) {
    RecordedDecision known = recent.getIfPresent(key(tenantId, decisionId));
    if (known != null) {
      return Optional.of(known);
    }
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
