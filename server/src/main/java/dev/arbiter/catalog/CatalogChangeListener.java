package dev.arbiter.catalog;

import dev.arbiter.catalog.jdbc.JdbcCatalogRepository;
import dev.arbiter.db.NotificationListener;
import dev.arbiter.ops.CheckResult;
import dev.arbiter.ops.HealthCheck;
import java.sql.Connection;
import java.time.Clock;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LISTENs for catalog changes of every tenant on a dedicated connection and announces them to
 * {@link CatalogSnapshots}, so a change made on any node is used by this one within about a second.
 * After a lost connection it reconnects and forgets all snapshots, since notifications may have
 * been missed meanwhile. Reports itself as a health check.
 */
public class CatalogChangeListener implements HealthCheck, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CatalogChangeListener.class);

  private final CatalogSnapshots snapshots;
  private final NotificationListener listener;

  public CatalogChangeListener(
      Callable<Connection> connections, CatalogSnapshots snapshots, Clock clock) {
    this.snapshots = snapshots;
    // Anything may have changed while we were not listening; while not listening, changes are
    // found by polling: each snapshot re-checks the database version on its next use (cheap), at
    // most once a second.
    this.listener =
        new NotificationListener(
            JdbcCatalogRepository.CHANNEL,
            connections,
            this::handle,
            snapshots::invalidateAll,
            snapshots::invalidateAll,
            clock);
  }

  private void handle(String payload) {
    int colon = payload.lastIndexOf(':');
    if (colon <= 0) {
      return;
    }
    try {
      snapshots.announce(payload.substring(0, colon), Long.parseLong(payload.substring(colon + 1)));
    } catch (NumberFormatException e) {
      log.warn("Ignoring malformed catalog notification '{}'", payload);
    }
  }

  @Override
  public String name() {
    return "catalogListener";
  }

  @Override
  public CheckResult check() {
    return listener.health(
        "catalog changes made on other nodes are found by polling the version once a second", true);
  }

  @Override
  public void close() {
    listener.close();
  }

  /** For tests: whether LISTEN is active. */
  public boolean listening() {
    return listener.listening();
  }
}
