package dev.arbiter.contact.jdbc;

import dev.arbiter.shared.BatchedDeletes;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Keeps monthly partitions of {@code interactions} (calendar months in UTC, named {@code
 * interactions_YYYY_MM}) ready ahead of time. Migration V5 creates the months from two before to
 * twelve after the month it ran in; the server calls {@link #ensure} at start and daily, so the
 * window keeps moving. A month that was missing when rows arrived had them stored in {@code
 * interactions_default}; creating it moves them into the new partition in the same transaction.
 * Safe to run on several nodes at once (the SQL function serializes on an advisory lock).
 *
 * <p>With a retention ({@code ARBITER_INTERACTION_RETENTION}), {@link #purge} drops the partitions
 * of months that ended longer ago than that, whole (no row-by-row delete, no vacuum after it), and
 * deletes the default partition's rows older than it. A month is dropped only once all of it is
 * past the retention, so up to a month more than the retention is kept. Thread-safe.
 */
public final class InteractionPartitions {
  /** Months before the current one that {@link #ensure} creates if missing. */
  public static final int MONTHS_BEHIND = 2;

  /** Months after the current one that {@link #ensure} creates if missing. */
  public static final int MONTHS_AHEAD = 12;

  /** A monthly partition's name; anything else is never dropped. */
  private static final Pattern MONTHLY = Pattern.compile("^interactions_(\\d{4})_(\\d{2})$");

  /**
   * How long one attempt to drop a month waits for each of its locks. Dropping a partition locks
   * the whole {@code interactions} table while it waits: Respond and contact-history loads wait
   * behind it for at most this long.
   */
  static final Duration DROP_LOCK_TIMEOUT = Duration.ofMillis(300);

  /** Attempts to drop one month before it is reported as failed (and tried again the next day). */
  static final int DROP_ATTEMPTS = 3;

  /** The pause between two attempts to drop a month. */
  static final Duration DROP_RETRY_PAUSE = Duration.ofSeconds(1);

  /** Rows of the default partition deleted per statement. */
  static final int DEFAULT_PARTITION_BATCH = 10_000;

  /**
   * What {@link #purge} did.
   *
   * @param dropped the partitions dropped
   * @param failed the partitions it could not drop (a lock not granted in time, say), with why; the
   *     next run tries again
   * @param defaultRows rows deleted from the default partition
   */
  public record Purged(List<String> dropped, Map<String, String> failed, int defaultRows) {}

  private final JdbcClient jdbc;
  private final Clock clock;

  public InteractionPartitions(JdbcClient jdbc, Clock clock) {
    this.jdbc = Objects.requireNonNull(jdbc, "jdbc");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Creates the missing partitions from {@value #MONTHS_BEHIND} months before to {@value
   * #MONTHS_AHEAD} months after the current month (UTC). Each month is its own short transaction.
   *
   * @return the names of the partitions created; empty when all existed
   */
  public List<String> ensure() {
    LocalDate month = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).withDayOfMonth(1);
    List<String> created = new ArrayList<>();
    for (int i = -MONTHS_BEHIND; i <= MONTHS_AHEAD; i++) {
      LocalDate first = month.plusMonths(i);
      if (ensure(first)) {
        created.add(name(first));
      }
    }
    return created;
  }

  /**
   * Creates the partition of the month containing {@code day} unless it exists.
   *
   * @return whether it was created
   */
  public boolean ensure(LocalDate day) {
    return Boolean.TRUE.equals(
        jdbc.sql("select interactions_ensure_partition(:month)")
            .param("month", day.withDayOfMonth(1))
            .query(Boolean.class)
            .single());
  }

  /**
   * Drops the partitions whose whole month ended more than {@code retention} ago (and is older than
   * the {@value #MONTHS_BEHIND} months {@link #ensure} keeps), each with {@code
   * interactions_drop_partition} (V11). Dropping a partition locks the whole table while it waits
   * for its locks, so each attempt waits at most {@link #DROP_LOCK_TIMEOUT} (Respond and
   * contact-history loads wait behind it that long at most), and a month that stays busy is retried
   * {@value #DROP_ATTEMPTS} times, then reported in {@link Purged#failed} and left for the next
   * run; the other months go on. Then deletes the default partition's rows older than {@code
   * retention}, {@value #DEFAULT_PARTITION_BATCH} per statement.
   *
   * @throws DataAccessException when the database cannot be read or the default partition's delete
   *     fails; what was done before stays done, and the next run goes on
   */
  public Purged purge(Duration retention) {
    Instant cutoff = clock.instant().minus(retention);
    LocalDate keptFrom =
        LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC)
            .withDayOfMonth(1)
            .minusMonths(MONTHS_BEHIND);
    List<String> dropped = new ArrayList<>();
    Map<String, String> failed = new LinkedHashMap<>();
    for (String name : existing()) {
      Matcher m = MONTHLY.matcher(name);
      if (!m.matches()) {
        continue;
      }
      LocalDate month = LocalDate.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), 1);
      Instant end = month.plusMonths(1).atStartOfDay(ZoneOffset.UTC).toInstant();
      if (month.isBefore(keptFrom) && !end.isAfter(cutoff)) {
        try {
          if (drop(month)) {
            dropped.add(name);
          }
        } catch (DataAccessException e) {
          failed.put(name, e.getMostSpecificCause().getMessage());
        }
      }
    }
    int rows =
        BatchedDeletes.all(
            DEFAULT_PARTITION_BATCH,
            n ->
                jdbc.sql(
                        """
                        delete from interactions_default where ctid in (
                          select ctid from interactions_default where occurred_at < :cutoff
                           limit :n)
                        """)
                    .param("cutoff", Timestamp.from(cutoff))
                    .param("n", n)
                    .update());
    return new Purged(List.copyOf(dropped), Map.copyOf(failed), rows);
  }

  /**
   * Drops the month's partition, in up to {@value #DROP_ATTEMPTS} attempts that each wait at most
   * {@link #DROP_LOCK_TIMEOUT} for a lock.
   *
   * @return whether it dropped it (false: it was gone, another node dropped it first)
   * @throws DataAccessException when the last attempt fails
   */
  private boolean drop(LocalDate month) {
    for (int attempt = 1; ; attempt++) {
      try {
        return Boolean.TRUE.equals(
            jdbc.sql("select interactions_drop_partition(:month, :waitMs)")
                .param("month", month)
                .param("waitMs", (int) DROP_LOCK_TIMEOUT.toMillis())
                .query(Boolean.class)
                .single());
      } catch (DataAccessException e) {
        if (attempt >= DROP_ATTEMPTS || !lockNotAvailable(e)) {
          throw e;
        }
        try {
          Thread.sleep(DROP_RETRY_PAUSE);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** Whether {@code e} is PostgreSQL's lock_not_available (a lock_timeout that ran out). */
  private static boolean lockNotAvailable(DataAccessException e) {
    return e.getMostSpecificCause() instanceof SQLException sql
        && "55P03".equals(sql.getSQLState());
  }

  /** The monthly partitions that exist, oldest first (without the default partition). */
  public List<String> existing() {
    return jdbc.sql(
            """
            select c.relname
              from pg_inherits i
              join pg_class c on c.oid = i.inhrelid
              join pg_class p on p.oid = i.inhparent
             where p.oid = 'interactions'::regclass and c.relname <> 'interactions_default'
             order by c.relname
            """)
        .query(String.class)
        .list();
  }

  /** The partition name of the month containing {@code day}. */
  public static String name(LocalDate day) {
    return String.format("interactions_%04d_%02d", day.getYear(), day.getMonthValue());
  }
}
