package dev.arbiter.catalog;

import dev.arbiter.engine.catalog.CatalogBuildResult;
import dev.arbiter.engine.catalog.CatalogBuilder;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.shared.FieldError;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The compiled catalog of each tenant, built once per catalog version and shared by every request.
 * A version announced by a write on this node or by NOTIFY from another node makes the cached
 * snapshot stale; the next reader rebuilds it from one consistent read of the database.
 * Thread-safe.
 */
public class CatalogSnapshots {
  private static final Logger log = LoggerFactory.getLogger(CatalogSnapshots.class);

  /** A compiled catalog and when it was built. */
  public record Compiled(CatalogSnapshot snapshot, Instant builtAt) {
    public long catalogVersion() {
      return snapshot.catalogVersion();
    }
  }

  private final CatalogRepository catalog;
  private final CatalogDefinitions definitions;
  private final TransactionTemplate readTx;
  private final Clock clock;
  private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Long> announced = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Instant> lastFailure = new ConcurrentHashMap<>();
  private final AtomicLong epoch = new AtomicLong();

  /** A cached snapshot and the invalidation epoch it was confirmed in. */
  private record Entry(Compiled compiled, long epoch) {}

  /** How long a failed rebuild is not retried while the previous snapshot keeps serving. */
  static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(1);

  public CatalogSnapshots(
      CatalogRepository catalog,
      CatalogDefinitions definitions,
      TransactionTemplate tx,
      Clock clock) {
    this.catalog = catalog;
    this.definitions = definitions;
    this.readTx = new TransactionTemplate(tx.getTransactionManager());
    this.readTx.setReadOnly(true);
    this.readTx.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
    this.clock = clock;
  }

  /**
   * The tenant's current compiled catalog. When the database cannot be read, the last snapshot
   * built keeps serving (decisions go on with the catalog they had); only a tenant never compiled
   * on this node fails. While one request checks or rebuilds a stale snapshot, the others go on
   * with the previous one rather than queue behind it (a rebuild of a large catalog, or a check
   * that waits out the pool's timeout while the database is down, would hold every request of the
   * tenant); only a tenant never compiled on this node waits for its first build.
   */
  public Compiled current(String tenantId) {
    Entry e = cache.get(tenantId);
    if (fresh(tenantId, e)) {
      return e.compiled();
    }
    ReentrantLock lock = locks.computeIfAbsent(tenantId, t -> new ReentrantLock());
    if (e != null) {
      if (!lock.tryLock()) {
        return e.compiled(); // another request is refreshing it
      }
    } else {
      lock.lock();
    }
    try {
      e = cache.get(tenantId);
      if (fresh(tenantId, e)) {
        return e.compiled();
      }
      long startEpoch = epoch.get();
      if (e != null && recentlyFailed(tenantId)) {
        // the database failed a moment ago: not asked again, not even for the version, for a
        // second
        return e.compiled();
      }
      try {
        if (e != null && e.compiled().catalogVersion() >= announced.getOrDefault(tenantId, 0L)) {
          // Stale only because notifications may have been missed: a cheap version check first.
          long version = catalog.catalogVersion(tenantId);
          if (version == e.compiled().catalogVersion()) {
            cache.put(tenantId, new Entry(e.compiled(), startEpoch));
            return e.compiled();
          }
          if (version < e.compiled().catalogVersion()) {
            // The database went back in time (restored from a backup, or failed over to a replica
            // that lacked the last changes): its version is the truth now. Announcements only
            // grow, so without this every request would rebuild a catalog that never counts as
            // fresh.
            log.warn(
                "The catalog of tenant {} is at version {} in the database, behind the {} this node"
                    + " built; rebuilding from the database",
                tenantId,
                version,
                e.compiled().catalogVersion());
            announced.put(tenantId, version);
          }
          announce(tenantId, version);
        }
        Compiled built = build(tenantId);
        cache.put(tenantId, new Entry(built, startEpoch));
        lastFailure.remove(tenantId);
        return built;
      } catch (RuntimeException ex) {
        if (e == null) {
          throw ex;
        }
        if (lastFailure.put(tenantId, clock.instant()) == null) {
          log.warn(
              "Cannot refresh the catalog of tenant {} ({}); still deciding with version {}",
              tenantId,
              ex.getMessage(),
              e.compiled().catalogVersion());
        }
        return e.compiled();
      }
    } finally {
      lock.unlock();
    }
  }

  private boolean fresh(String tenantId, Entry e) {
    return e != null
        && e.epoch() == epoch.get()
        && e.compiled().catalogVersion() >= announced.getOrDefault(tenantId, 0L);
  }

  private boolean recentlyFailed(String tenantId) {
    Instant failed = lastFailure.get(tenantId);
    return failed != null && failed.plus(RETRY_AFTER_FAILURE).isAfter(clock.instant());
  }

  /** The tenant's catalog is at least at {@code version} now. */
  public void announce(String tenantId, long version) {
    announced.merge(tenantId, version, Math::max);
  }

  /**
   * Notifications may have been missed (the listener reconnected, or is down): every cached
   * snapshot is checked against the database version on its next use. Nothing is thrown away.
   */
  public void invalidateAll() {
    epoch.incrementAndGet();
  }

  private Compiled build(String tenantId) {
    CatalogDefinitions.Catalog read =
        readTx.execute(
            s -> {
              long version = catalog.catalogVersion(tenantId);
              List<CatalogResource> all = catalog.all(tenantId);
              List<PublishedFlow> flows = catalog.latestPublishedFlows(tenantId);
              return definitions.catalog(tenantId, version, all, flows);
            });
    CatalogBuildResult result = CatalogBuilder.build(read.definition());
    if (!result.valid() || !read.conversionErrors().isEmpty()) {
      // Writes are checked before they are stored, so this means data changed behind the API.
      String first =
          result.violations().isEmpty()
              ? read.conversionErrors().get(0).toString()
              : result.violations().get(0).toString();
      log.error(
          "Catalog of tenant {} version {} does not compile ({} problems, first: {})",
          tenantId,
          read.definition().catalogVersion(),
          result.violations().size() + read.conversionErrors().size(),
          first);
      throw new IllegalStateException("The catalog of this tenant does not compile: " + first);
    }
    // Writes refuse such policies; one stored before the history was shortened
    // (ARBITER_CONTACT_HORIZON, ARBITER_CONTACT_MAX_EVENTS) still decides, counting what it holds.
    for (FieldError beyond : definitions.beyondHistory(result.snapshot())) {
      log.warn(
          "Catalog of tenant {} version {}: {} {}; the policy counts only what the history holds",
          tenantId,
          read.definition().catalogVersion(),
          beyond.field(),
          beyond.message());
    }
    announce(tenantId, result.snapshot().catalogVersion());
    return new Compiled(result.snapshot(), clock.instant());
  }
}
