package dev.arbiter.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends {@code NOTIFY channel} after writers {@link #poke()} it, from its own thread and its own
 * short transaction, at most once per {@code gap}: many pokes in a burst make one notification.
 *
 * <p>Why not a trigger or a NOTIFY inside the writing transaction: PostgreSQL serialises the
 * commits of all transactions that sent a NOTIFY (each holds a database-wide lock on the
 * notification queue until its commit record is flushed), so a NOTIFY in every Respond transaction
 * made Responds commit one disk flush at a time. Here only this thread's tiny transactions queue on
 * that lock. A notification can be lost (database down, process killed between a commit and the
 * poke); listeners must also poll. {@link #poke()} never blocks. Thread-safe.
 */
public final class DebouncedNotifier implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DebouncedNotifier.class);

  private final DataSource dataSource;
  private final String channel;
  private final long gapNanos;
  private final AtomicBoolean pending = new AtomicBoolean();
  private final Thread thread;
  private volatile boolean running = true;

  /**
   * @param channel the channel to notify (a plain identifier)
   * @param gap the least time between two notifications
   */
  public DebouncedNotifier(DataSource dataSource, String channel, Duration gap) {
    this.dataSource = dataSource;
    this.channel = channel;
    this.gapNanos = gap.toNanos();
    this.thread = Thread.ofPlatform().daemon().name("arbiter-notify-" + channel).start(this::run);
  }

  /** Asks for a notification soon; returns at once. */
  public void poke() {
    if (pending.compareAndSet(false, true)) {
      LockSupport.unpark(thread);
    }
  }

  private void run() {
    while (true) {
      boolean due = pending.getAndSet(false);
      if (due) {
        send();
      }
      if (!running) {
        return;
      }
      if (due) {
        LockSupport.parkNanos(this, gapNanos);
      } else {
        LockSupport.park(this);
      }
    }
  }

  private void send() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement("select pg_notify(?, '')")) {
      s.setString(1, channel);
      s.execute();
    } catch (Exception e) {
      // Listeners poll as well: a lost notification only delays them.
      log.debug("Could not notify {}: {}", channel, e.toString());
    }
  }

  /** Sends a notification still pending, then stops the thread. */
  @Override
  public void close() {
    running = false;
    LockSupport.unpark(thread);
    try {
      thread.join(Duration.ofSeconds(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
