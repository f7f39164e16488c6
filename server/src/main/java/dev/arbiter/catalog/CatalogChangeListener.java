package dev.arbiter.catalog;

import dev.arbiter.catalog.jdbc.JdbcCatalogRepository;
import dev.arbiter.ops.CheckResult;
import dev.arbiter.ops.HealthCheck;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
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

  private static final long PROBE_INTERVAL_NANOS = 5_000_000_000L;

  private final Callable<Connection> connections;
  private final CatalogSnapshots snapshots;
  private final Clock clock;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile boolean listening;
  private volatile String lastError;
  private volatile Instant since;

  public CatalogChangeListener(
      Callable<Connection> connections, CatalogSnapshots snapshots, Clock clock) {
    this.connections = connections;
    this.snapshots = snapshots;
    this.clock = clock;
    this.since = clock.instant();
    this.thread = Thread.ofPlatform().daemon().name("arbiter-catalog-listener").start(this::run);
  }

  private void run() {
    while (running) {
      try (Connection c = connections.call()) {
        try (Statement s = c.createStatement()) {
          s.execute("LISTEN " + JdbcCatalogRepository.CHANNEL);
        }
        // Anything may have changed while we were not listening.
        snapshots.invalidateAll();
        listening = true;
        since = clock.instant();
        PGConnection pg = c.unwrap(PGConnection.class);
        long lastProbe = System.nanoTime();
        while (running) {
          PGNotification[] notes = pg.getNotifications(500);
          if (notes != null) {
            for (PGNotification n : notes) {
              handle(n.getParameter());
            }
          }
          if (System.nanoTime() - lastProbe > PROBE_INTERVAL_NANOS) {
            // A silently dropped connection (NAT, failover) delivers nothing and raises nothing:
            // a round trip proves the connection is alive.
            try (Statement probe = c.createStatement()) {
              probe.setQueryTimeout(2);
              probe.execute("select 1");
            }
            lastProbe = System.nanoTime();
          }
        }
      } catch (Exception e) {
        if (!running) {
          return;
        }
        if (listening || lastError == null) {
          log.warn("Catalog change listener lost its connection: {}; retrying", e.getMessage());
          since = clock.instant();
        }
        listening = false;
        lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
        // While not listening, changes are found by polling: each snapshot re-checks the
        // database version on its next use (cheap), at most once a second.
        snapshots.invalidateAll();
        sleep(1000);
      }
    }
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

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String name() {
    return "catalogListener";
  }

  @Override
  public CheckResult check() {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("since", since.toString());
    if (lastError != null) {
      details.put("lastError", lastError);
    }
    if (!listening) {
      details.put(
          "effect",
          "catalog changes made on other nodes are found by polling the version once a second");
    }
    return new CheckResult(listening ? CheckResult.UP : CheckResult.DOWN, 0, details, true);
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** For tests: whether LISTEN is active. */
  public boolean listening() {
    return listening;
  }
}
