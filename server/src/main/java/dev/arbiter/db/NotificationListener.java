package dev.arbiter.db;

import dev.arbiter.ops.CheckResult;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LISTENs on one PostgreSQL channel on a dedicated connection (outside the pool) and hands every
 * notification's payload to a consumer, on its own daemon thread. A silently dropped connection is
 * found by a round trip every five seconds; after any loss it reconnects once a second.
 *
 * <p>Notifications sent while it was not listening are lost, so {@code onListening} runs each time
 * LISTEN (re)starts and {@code onLost} each time the connection fails: callers use them to catch up
 * by other means (re-read, poll). Both callbacks and the consumer run on the listener thread and
 * must not block for long. {@link #close()} stops the thread within about two seconds.
 */
public final class NotificationListener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NotificationListener.class);
  private static final Pattern CHANNEL = Pattern.compile("[a-z_][a-z0-9_]*");
  private static final long PROBE_INTERVAL_NANOS = 5_000_000_000L;

  private final String channel;
  private final Callable<Connection> connections;
  private final Consumer<String> onNotification;
  private final Runnable onListening;
  private final Runnable onLost;
  private final Clock clock;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile boolean listening;
  private volatile String lastError;
  private volatile Instant since;

  /**
   * Starts listening at once.
   *
   * @param channel a lower-case SQL identifier
   * @param connections opens a new direct connection; the listener closes it
   */
  public NotificationListener(
      String channel,
      Callable<Connection> connections,
      Consumer<String> onNotification,
      Runnable onListening,
      Runnable onLost,
      Clock clock) {
    if (!CHANNEL.matcher(channel).matches()) {
      throw new IllegalArgumentException("Not a channel name: " + channel);
    }
    this.channel = channel;
    this.connections = connections;
    this.onNotification = onNotification;
    this.onListening = onListening;
    this.onLost = onLost;
    this.clock = clock;
    this.since = clock.instant();
    this.thread = Thread.ofPlatform().daemon().name("arbiter-listen-" + channel).start(this::run);
  }

  private void run() {
    while (running) {
      try (Connection c = connections.call()) {
        try (Statement s = c.createStatement()) {
          s.execute("LISTEN " + channel);
        }
        listening = true;
        since = clock.instant();
        onListening.run();
        PGConnection pg = c.unwrap(PGConnection.class);
        long lastProbe = System.nanoTime();
        while (running) {
          PGNotification[] notes = pg.getNotifications(500);
          if (notes != null) {
            for (PGNotification n : notes) {
              onNotification.accept(n.getParameter());
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
          log.warn("LISTEN {} lost its connection: {}; retrying", channel, e.getMessage());
          since = clock.instant();
        }
        listening = false;
        lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
        onLost.run();
        sleep(1000);
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * This listener as a health check's result: {@code up} while listening, else {@code down} with
   * the last error and {@code effect}, what its owner does meanwhile.
   *
   * @param required whether {@code /api/ready} needs it up
   */
  public CheckResult health(String effect, boolean required) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("since", since.toString());
    String error = lastError;
    if (error != null) {
      details.put("lastError", error);
    }
    boolean up = listening;
    if (!up) {
      details.put("effect", effect);
    }
    return new CheckResult(up ? CheckResult.UP : CheckResult.DOWN, 0, details, required);
  }

  /** Whether LISTEN is active now. */
  public boolean listening() {
    return listening;
  }

  /** The last connection error, or null if none happened. */
  public String lastError() {
    return lastError;
  }

  /** When listening last started or stopped. */
  public Instant since() {
    return since;
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
}
