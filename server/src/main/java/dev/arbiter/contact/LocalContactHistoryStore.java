package dev.arbiter.contact;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.arbiter.engine.policy.ContactEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The contact history store in this process's memory: the same semantics as {@link
 * RedisContactHistoryStore}, blind to other nodes.
 *
 * <p>At most {@link ContactHistoryProperties#maxLocalCustomers()} customers are held (least
 * recently used evicted first), each list expires a horizon after its last write, and each holds at
 * most {@link ContactHistoryProperties#maxEvents()} decision entries and as many interactions. A
 * customer's list is replaced atomically (copy on write); the PostgreSQL load of a miss runs
 * outside any lock and is merged in by id, so appends racing with it are kept. Thread-safe.
 */
public final class LocalContactHistoryStore implements ContactHistoryStore {
  private final InteractionReader interactions;
  private final ContactHistoryProperties properties;
  private final ContactHistoryMetrics metrics;
  private final Clock clock;
  private final Cache<String, Held> customers;

  /**
   * Where every list's next version comes from: a version is never given twice in this process, so
   * a list evicted and held anew never reaches the version a decision read before the eviction.
   */
  private static final AtomicLong VERSIONS = new AtomicLong();

  /**
   * One customer's list, newest first, as store entries and as the engine's events (the same order,
   * built once per change so reads hand the events out without copying); {@code loaded} once
   * PostgreSQL's rows were merged in; {@code version} changes at every append of decision entries
   * it took ({@link ContactHistory#version()}), 0 before the first. The arrays are never written
   * after construction.
   */
  private static final class Held {
    static final Held EMPTY = new Held(false, new ContactEntry[0], new ContactEvent[0], 0);

    final boolean loaded;
    final ContactEntry[] entries;
    final ContactEvent[] events;
    final List<ContactEvent> eventList;
    final long version;

    private Held(boolean loaded, ContactEntry[] entries, ContactEvent[] events, long version) {
      this.loaded = loaded;
      this.entries = entries;
      this.events = events;
      this.eventList = Collections.unmodifiableList(Arrays.asList(events));
      this.version = version;
    }

    static Held of(boolean loaded, List<ContactEntry> entries, long version) {
      ContactEntry[] array = entries.toArray(new ContactEntry[0]);
      ContactEvent[] events = new ContactEvent[array.length];
      for (int i = 0; i < array.length; i++) {
        events[i] = array[i].event();
      }
      return new Held(loaded, array, events, version);
    }

    List<ContactEvent> eventsSince(Instant cutoff) {
      int n = live(events, cutoff, events.length);
      return n == events.length
          ? eventList
          : Collections.unmodifiableList(Arrays.asList(Arrays.copyOf(events, n)));
    }

    /**
     * This list with {@code added} in front, cut at the horizon and the cap: the common case of an
     * append (a decision just made, an outcome just recorded), where every added entry is strictly
     * newer than everything held, so none can be held already (an entry's time never changes) and
     * the result is the same as {@link ContactEntries#merge}'s. Copies references only: it reads
     * the time of the first held entry and of O(log n) others, never of every entry. Null when that
     * case does not apply.
     *
     * @param added sorted {@link ContactEntries#NEWEST_FIRST}, not empty
     * @param version the result's version
     */
    Held prepend(boolean loaded, ContactEntry[] added, Instant cutoff, int cap, long version) {
      if (entries.length > 0
          && !added[added.length - 1].event().time().isAfter(entries[0].event().time())) {
        return null;
      }
      for (int i = 1; i < added.length; i++) {
        if (added[i].id().equals(added[i - 1].id())) {
          return null;
        }
      }
      int fresh = 0;
      while (fresh < added.length && !added[fresh].event().time().isBefore(cutoff)) {
        fresh++;
      }
      // Held entries are all older than the added ones: once an added entry is past the horizon,
      // so are they.
      int kept = fresh < added.length ? 0 : live(events, cutoff, events.length);
      if (fresh + kept > cap) {
        // Some kind may be over its cap: keep the newest of each kind (ContactEntries.Room).
        return capped(loaded, added, fresh, kept, cap, version);
      }
      ContactEntry[] newEntries = new ContactEntry[fresh + kept];
      ContactEvent[] newEvents = new ContactEvent[fresh + kept];
      for (int i = 0; i < fresh; i++) {
        newEntries[i] = added[i];
        newEvents[i] = added[i].event();
      }
      System.arraycopy(entries, 0, newEntries, fresh, kept);
      System.arraycopy(events, 0, newEvents, fresh, kept);
      return new Held(loaded, newEntries, newEvents, version);
    }

    /**
     * The first {@code fresh} of {@code added}, then the first {@code kept} held entries, at most
     * {@code cap} of each kind.
     */
    private Held capped(
        boolean loaded, ContactEntry[] added, int fresh, int kept, int cap, long version) {
      ContactEntry[] all = Arrays.copyOf(added, fresh + kept);
      System.arraycopy(entries, 0, all, fresh, kept);
      return Held.of(loaded, ContactEntries.capped(Arrays.asList(all), cap), version);
    }

    /**
     * How many of the first {@code limit} of newest-first {@code events} are at or after {@code
     * cutoff}: reads one time when all are, else binary-searches.
     */
    private static int live(ContactEvent[] events, Instant cutoff, int limit) {
      if (limit == 0 || !events[limit - 1].time().isBefore(cutoff)) {
        return limit;
      }
      int low = 0;
      int high = limit - 1; // events[high] is before the cutoff
      while (low < high) {
        int mid = (low + high) >>> 1;
        if (events[mid].time().isBefore(cutoff)) {
          high = mid;
        } else {
          low = mid + 1;
        }
      }
      return low;
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
    // Maintenance (eviction, expiry) runs on the writing thread: every append is a write, and
    // handing each one's maintenance to the common pool cost more in thread wake-ups and lock
    // hand-offs than the maintenance itself.
    this.customers =
        Caffeine.newBuilder()
            .maximumSize(properties.maxLocalCustomers())
            .expireAfterWrite(properties.horizon())
            .executor(Runnable::run)
            .build();
  }

  @Override
  public List<ContactEvent> history(String tenantId, String customerId) {
    return read(tenantId, customerId).events();
  }

  @Override
  public ContactHistory read(String tenantId, String customerId) {
    String key = key(tenantId, customerId);
    Instant now = clock.instant();
    Instant cutoff = now.minus(properties.horizon());
    Held held = customers.getIfPresent(key);
    if (held != null && held.loaded) {
      metrics.hits.increment();
      return new ContactHistory(held.eventsSince(cutoff), held.version, 0);
    }
    List<ContactEntry> rows =
        metrics.loadOnMiss(interactions, tenantId, customerId, now, properties);
    Held merged =
        customers
            .asMap()
            .compute(
                key,
                (k, current) ->
                    Held.of(
                        true,
                        ContactEntries.merge(
                            current == null ? List.of() : Arrays.asList(current.entries),
                            rows,
                            cutoff,
                            properties.maxEvents()),
                        current == null ? 0 : current.version));
    return new ContactHistory(merged.eventsSince(cutoff), merged.version, 0);
  }

  @Override
  public void append(String tenantId, String customerId, List<ContactEntry> entries) {
    append(tenantId, customerId, entries, null);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The check and the append are one atomic step on the customer's list. A list evicted since
   * {@code read} is held again at version 0 and then takes versions never given before, so a read
   * made before the eviction finds it changed once another decision was appended. Unconditional
   * appends of decision entries move the version on too.
   */
  @Override
  public boolean appendDecisions(
      String tenantId, String customerId, List<ContactEntry> entries, ContactHistory read) {
    return append(tenantId, customerId, entries, read);
  }

  /** Appends unconditionally when {@code read} is null, else as {@link #appendDecisions}. */
  private boolean append(
      String tenantId, String customerId, List<ContactEntry> entries, ContactHistory read) {
    if (entries.isEmpty()) {
      return true;
    }
    Instant cutoff = clock.instant().minus(properties.horizon());
    ContactEntry[] added = entries.toArray(new ContactEntry[0]);
    Arrays.sort(added, ContactEntries.NEWEST_FIRST);
    int cap = properties.maxEvents();
    boolean bumps = ContactEntries.hasDecisions(entries);
    boolean[] appended = {true};
    customers
        .asMap()
        .compute(
            key(tenantId, customerId),
            (k, current) -> {
              Held held = current == null ? Held.EMPTY : current;
              if (read != null && held.version != read.version()) {
                appended[0] = false;
                return current;
              }
              long version = read != null || bumps ? VERSIONS.incrementAndGet() : held.version;
              boolean loaded = current != null && current.loaded;
              Held prepended = held.prepend(loaded, added, cutoff, cap, version);
              return prepended != null
                  ? prepended
                  : Held.of(
                      loaded,
                      ContactEntries.merge(Arrays.asList(held.entries), entries, cutoff, cap),
                      version);
            });
    return appended[0];
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
