package dev.arbiter.contact;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.arbiter.engine.policy.ContactEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The contact history store in this process's memory: the same semantics as {@link
 * RedisContactHistoryStore}, blind to other nodes.
 *
 * <p>At most {@link ContactHistoryProperties#maxLocalCustomers()} customers are held (least
 * recently used evicted first), each list expires a horizon after its last write, and each holds at
 * most {@link ContactHistoryProperties#maxEvents()} entries. A customer's list is replaced
 * atomically (copy on write); the PostgreSQL load of a miss runs outside any lock and is merged in
 * by id, so appends racing with it are kept. Thread-safe.
 */
public final class LocalContactHistoryStore implements ContactHistoryStore {
  private final InteractionReader interactions;
  private final ContactHistoryProperties properties;
  private final ContactHistoryMetrics metrics;
  private final Clock clock;
  private final Cache<String, Held> customers;

  /**
   * One customer's list, newest first; {@code loaded} once PostgreSQL's rows were merged in. {@code
   * events} is the same list as engine events, built once per change so a read that finds nothing
   * past the horizon hands it out without copying.
   */
  private record Held(boolean loaded, List<ContactEntry> entries, List<ContactEvent> events) {
    Held(boolean loaded, List<ContactEntry> entries) {
      this(loaded, entries, ContactEntries.events(entries, Instant.MIN));
    }

    List<ContactEvent> eventsSince(Instant cutoff) {
      return events.isEmpty() || !events.get(events.size() - 1).time().isBefore(cutoff)
          ? events
          : ContactEntries.events(entries, cutoff);
    }
  }

  /**
   * @param interactions where a miss loads durable interactions from
   * @param properties horizon, cap and memory bound
   * @param metrics hit/miss and load latency go here
   * @param clock time for the horizon
   */
  public LocalContactHistoryStore(
      InteractionReader interactions,
      ContactHistoryProperties properties,
      ContactHistoryMetrics metrics,
      Clock clock) {
    this.interactions = Objects.requireNonNull(interactions, "interactions");
    this.properties = Objects.requireNonNull(properties, "properties");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.customers =
        Caffeine.newBuilder()
            .maximumSize(properties.maxLocalCustomers())
            .expireAfterWrite(properties.horizon())
            .build();
  }

  @Override
  public List<ContactEvent> history(String tenantId, String customerId) {
    String key = key(tenantId, customerId);
    Instant cutoff = clock.instant().minus(properties.horizon());
    Held held = customers.getIfPresent(key);
    if (held != null && held.loaded()) {
      metrics.hits.increment();
      return held.eventsSince(cutoff);
    }
    metrics.misses.increment();
    long start = System.nanoTime();
    List<ContactEntry> rows =
        interactions.recent(tenantId, customerId, cutoff, properties.maxEvents());
    metrics.loadLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    Held merged =
        customers
            .asMap()
            .compute(
                key,
                (k, current) ->
                    new Held(
                        true,
                        ContactEntries.merge(
                            current == null ? List.of() : current.entries(),
                            rows,
                            cutoff,
                            properties.maxEvents())));
    return merged.eventsSince(cutoff);
  }

  @Override
  public void append(String tenantId, String customerId, List<ContactEntry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    Instant cutoff = clock.instant().minus(properties.horizon());
    customers
        .asMap()
        .compute(
            key(tenantId, customerId),
            (k, current) ->
                new Held(
                    current != null && current.loaded(),
                    ContactEntries.merge(
                        current == null ? List.of() : current.entries(),
                        entries,
                        cutoff,
                        properties.maxEvents())));
  }

  /** Forgets every list (their interactions are loaded again on the next miss). */
  public void clear() {
    customers.invalidateAll();
  }

  /** Customers currently held (approximate while evictions are pending). */
  long size() {
    customers.cleanUp();
    return customers.estimatedSize();
  }

  private static String key(String tenantId, String customerId) {
    return tenantId + ':' + customerId;
  }
}
