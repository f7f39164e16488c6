package dev.arbiter.catalog;

import dev.arbiter.engine.catalog.CatalogBuildResult;
import dev.arbiter.engine.catalog.CatalogBuilder;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
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
  private final ConcurrentHashMap<String, Compiled> cache = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Long> announced = new ConcurrentHashMap<>();

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

  /** The tenant's current compiled catalog. */
  public Compiled current(String tenantId) {
    Compiled c = cache.get(tenantId);
    if (c != null && c.catalogVersion() >= announced.getOrDefault(tenantId, 0L)) {
      return c;
    }
    synchronized (lockFor(tenantId)) {
      c = cache.get(tenantId);
      if (c != null && c.catalogVersion() >= announced.getOrDefault(tenantId, 0L)) {
        return c;
      }
      Compiled built = build(tenantId, c);
      cache.put(tenantId, built);
      return built;
    }
  }

  /** The tenant's catalog is at least at {@code version} now. */
  public void announce(String tenantId, long version) {
    announced.merge(tenantId, version, Math::max);
  }

  /** The tenant's catalog changed to an unknown version. */
  public void invalidate(String tenantId) {
    cache.remove(tenantId);
  }

  /** Forget everything (after missing notifications, e.g. a listener reconnect). */
  public void invalidateAll() {
    cache.clear();
  }

  private Object lockFor(String tenantId) {
    return locks.computeIfAbsent(tenantId, t -> new Object());
  }

  private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

  private Compiled build(String tenantId, Compiled previous) {
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
      log.error(
          "Catalog of tenant {} version {} does not compile ({} problems, first: {}); {}",
          tenantId,
          read.definition().catalogVersion(),
          result.violations().size() + read.conversionErrors().size(),
          result.violations().isEmpty()
              ? read.conversionErrors().get(0)
              : result.violations().get(0),
          previous == null
              ? "no earlier snapshot to keep"
              : "keeping version " + previous.catalogVersion());
      if (previous != null) {
        return previous;
      }
      throw new IllegalStateException("The catalog of this tenant does not compile");
    }
    announce(tenantId, result.snapshot().catalogVersion());
    return new Compiled(result.snapshot(), clock.instant());
  }
}
