package dev.arbiter.contact.jdbc;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Keeps monthly partitions of {@code interactions} (calendar months in UTC, named {@code
 * interactions_YYYY_MM}) ready ahead of time. Migration V5 creates the months from two before to
 * twelve after the month it ran in; the server calls {@link #ensure} at start and daily, so the
 * window keeps moving. A month that was missing when rows arrived had them stored in {@code
 * interactions_default}; creating it moves them into the new partition in the same transaction.
 * Safe to run on several nodes at once (the SQL function serializes on an advisory lock).
 * Thread-safe.
 */
public final class InteractionPartitions {
  /** Months before the current one that {@link #ensure} creates if missing. */
  public static final int MONTHS_BEHIND = 2;

  /** Months after the current one that {@link #ensure} creates if missing. */
  public static final int MONTHS_AHEAD = 12;

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

  /** The monthly partitions that exist, oldest first (without the default partition). */
  public List<String> existing() {
    return jdbc.sql(
            """
            select c.relname
              from pg_inherits i
              join pg_class c on c.oid = i.inhrelid
              join pg_class p on p.oid = i.inhparent
             where p.relname = 'interactions' and c.relname <> 'interactions_default'
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
