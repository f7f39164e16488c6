package dev.arbiter.contact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.contact.jdbc.InteractionPartitions;
import dev.arbiter.contact.jdbc.JdbcInteractionReader;
import dev.arbiter.testsupport.SettableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The monthly partitions of {@code interactions} and reading a customer's rows across them. */
class InteractionPartitionsIntegrationTests {
  private final ContactDatabase db = ContactDatabase.migrated();
  private final LocalDate thisMonth = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1);

  /** A range's end past every row these tests write. */
  private static final Instant END = Instant.parse("9999-01-01T00:00:00Z");

  @Test
  void shouldCreateTwoMonthsBehindAndTwelveAheadWhenMigrating() {
    List<String> existing = new InteractionPartitions(db.jdbc, Clock.systemUTC()).existing();

    assertThat(existing).hasSize(15);
    assertThat(existing.getFirst()).isEqualTo(InteractionPartitions.name(thisMonth.minusMonths(2)));
    assertThat(existing.getLast()).isEqualTo(InteractionPartitions.name(thisMonth.plusMonths(12)));
    assertThat(new InteractionPartitions(db.jdbc, Clock.systemUTC()).ensure()).isEmpty();
  }

  @Test
  void shouldStoreRowsOfDifferentMonthsInTheirPartitionsAndReadThemBackNewestFirst() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    Instant lastMonth = startOf(thisMonth.minusMonths(1)).plus(Duration.ofDays(3));
    Instant twoMonthsAgo = startOf(thisMonth.minusMonths(2)); // the first microsecond of a month
    String recent = db.insertInteraction("c-1", "click", "gold-card", now);
    String older = db.insertInteraction("c-1", "impression", "gold-card", lastMonth);
    String oldest = db.insertInteraction("c-1", "impression", "loan", twoMonthsAgo);

    assertThat(db.partitionOf(recent)).isEqualTo(InteractionPartitions.name(thisMonth));
    assertThat(db.partitionOf(older))
        .isEqualTo(InteractionPartitions.name(thisMonth.minusMonths(1)));
    assertThat(db.partitionOf(oldest))
        .isEqualTo(InteractionPartitions.name(thisMonth.minusMonths(2)));

    JdbcInteractionReader reader = new JdbcInteractionReader(db.jdbc);
    List<ContactEntry> all = reader.recent(db.tenantId, "c-1", twoMonthsAgo, END, 10);
    assertThat(all).extracting(ContactEntry::id).containsExactly(recent, older, oldest);
    assertThat(all.getFirst().event().time()).isEqualTo(now);
    assertThat(all.getLast().event().time()).isEqualTo(twoMonthsAgo);
    assertThat(all).allMatch(ContactEntry::durable);

    assertThat(reader.recent(db.tenantId, "c-1", lastMonth, END, 10))
        .extracting(ContactEntry::id)
        .containsExactly(recent, older);
    assertThat(reader.recent(db.tenantId, "c-1", twoMonthsAgo, END, 1))
        .extracting(ContactEntry::id)
        .containsExactly(recent);
  }

  @Test
  void shouldStoreRowsBeyondEveryPartitionInTheDefaultPartition() {
    Instant farFuture = startOf(thisMonth.plusMonths(30));
    Instant farPast = startOf(thisMonth.minusMonths(30));

    String future = db.insertInteraction("c-2", "impression", "gold-card", farFuture);
    String past = db.insertInteraction("c-2", "impression", "gold-card", farPast);

    assertThat(db.partitionOf(future)).isEqualTo("interactions_default");
    assertThat(db.partitionOf(past)).isEqualTo("interactions_default");
    assertThat(new JdbcInteractionReader(db.jdbc).recent(db.tenantId, "c-2", farPast, END, 10))
        .extracting(ContactEntry::id)
        .containsExactly(future, past);
  }

  @Test
  void shouldReadOnlyTheRangeAskedForFromOnlyThePartitionsThatHoldIt() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    Instant until = now.plus(InteractionReader.FUTURE_MARGIN);
    String current = db.insertInteraction("c-5", "click", "gold-card", now);
    String skewed = db.insertInteraction("c-5", "click", "gold-card", now.plusSeconds(240));
    db.insertInteraction("c-5", "click", "gold-card", until); // the end is exclusive
    db.insertInteraction("c-5", "click", "gold-card", startOf(thisMonth.plusMonths(12)));
    db.insertInteraction("c-5", "click", "gold-card", startOf(thisMonth.plusMonths(30)));

    assertThat(
            new JdbcInteractionReader(db.jdbc)
                .recent(db.tenantId, "c-5", now.minus(Duration.ofDays(30)), until, 10))
        .extracting(ContactEntry::id)
        .containsExactly(skewed, current);

    // the months to come and the default partition are pruned, not scanned for nothing
    String plan =
        String.join(
            "\n",
            db.jdbc
                .sql("explain (costs off) " + JdbcInteractionReader.RECENT)
                .param("tenantId", db.tenantId)
                .param("customerId", "c-5")
                .param("since", java.sql.Timestamp.from(now.minus(Duration.ofDays(30))))
                .param("until", java.sql.Timestamp.from(until))
                .param("limit", 10)
                .query(String.class)
                .list());
    assertThat(plan)
        .contains(InteractionPartitions.name(thisMonth))
        .doesNotContain(InteractionPartitions.name(thisMonth.plusMonths(2)))
        .doesNotContain(InteractionPartitions.name(thisMonth.plusMonths(12)))
        .doesNotContain("interactions_default");
  }

  @Test
  void shouldDropTheMonthsPastTheRetentionWholeAndKeepTheMonthTheCutoffFallsIn() {
    // ten days into this month, 120 days kept: the cutoff falls in the month four back
    SettableClock clock = new SettableClock(startOf(thisMonth).plus(Duration.ofDays(10)));
    InteractionPartitions partitions = new InteractionPartitions(db.jdbc, clock);
    java.util.Map<Integer, String> rows = new java.util.TreeMap<>();
    for (int back = 3; back <= 7; back++) {
      partitions.ensure(thisMonth.minusMonths(back));
      rows.put(
          back,
          db.insertInteraction(
              "c-6", "click", "gold-card", startOf(thisMonth.minusMonths(back)).plusSeconds(60)));
    }
    String current = db.insertInteraction("c-6", "click", "gold-card", clock.instant());
    String farPast =
        db.insertInteraction("c-6", "click", "gold-card", startOf(thisMonth.minusMonths(40)));
    String farFuture =
        db.insertInteraction("c-6", "click", "gold-card", startOf(thisMonth.plusMonths(40)));
    assertThat(db.partitionOf(farPast)).isEqualTo("interactions_default");

    InteractionPartitions.Purged purged = partitions.purge(Duration.ofDays(120));

    assertThat(purged.dropped())
        .containsExactly(
            InteractionPartitions.name(thisMonth.minusMonths(7)),
            InteractionPartitions.name(thisMonth.minusMonths(6)),
            InteractionPartitions.name(thisMonth.minusMonths(5)));
    assertThat(purged.failed()).isEmpty();
    assertThat(purged.defaultRows()).isEqualTo(1);
    assertThat(partitions.existing())
        .first()
        .isEqualTo(InteractionPartitions.name(thisMonth.minusMonths(4)));
    assertThat(
            db.jdbc
                .sql("select id from interactions where customer_id = 'c-6' order by occurred_at")
                .query(String.class)
                .list())
        .containsExactly(rows.get(4), rows.get(3), current, farFuture);
    // what is kept is what ensure() keeps: it creates nothing back, and a second purge does nothing
    assertThat(partitions.ensure()).isEmpty();
    assertThat(partitions.purge(Duration.ofDays(120)))
        .isEqualTo(new InteractionPartitions.Purged(List.of(), java.util.Map.of(), 0));
  }

  @Test
  void shouldGiveUpOnAMonthThatStaysLockedWithoutHoldingUpInsertsAndDropTheRest() throws Exception {
    SettableClock clock = new SettableClock(startOf(thisMonth).plus(Duration.ofDays(10)));
    InteractionPartitions partitions = new InteractionPartitions(db.jdbc, clock);
    partitions.ensure(thisMonth.minusMonths(8));
    partitions.ensure(thisMonth.minusMonths(9));
    String busy = InteractionPartitions.name(thisMonth.minusMonths(9));
    // another session reads the oldest month and keeps its transaction open
    try (java.sql.Connection other = java.sql.DriverManager.getConnection(db.url())) {
      other.setAutoCommit(false);
      other.createStatement().execute("lock table " + busy + " in access share mode");
      java.util.concurrent.atomic.AtomicLong slowestInsertNanos =
          new java.util.concurrent.atomic.AtomicLong();
      Thread inserts =
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int i = 0; i < 40; i++) {
                      long t0 = System.nanoTime();
                      db.insertInteraction("c-7", "click", "gold-card", Instant.now());
                      slowestInsertNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
                      try {
                        Thread.sleep(50);
                      } catch (InterruptedException e) {
                        return;
                      }
                    }
                  });

      InteractionPartitions.Purged purged = partitions.purge(Duration.ofDays(120));
      inserts.join();

      assertThat(purged.dropped())
          .containsExactly(InteractionPartitions.name(thisMonth.minusMonths(8)));
      assertThat(purged.failed()).containsOnlyKeys(busy);
      // no insert waited longer than an attempt's lock wait (and a margin for a slow machine)
      assertThat(Duration.ofNanos(slowestInsertNanos.get())).isLessThan(Duration.ofSeconds(2));
      other.rollback();
    }
    assertThat(partitions.purge(Duration.ofDays(120)).dropped()).containsExactly(busy);
  }

  @Test
  void shouldCreateTheComingMonthsAsTimeMovesOnAndMoveTheirRowsOutOfTheDefaultPartition() {
    Instant inMonth13 = startOf(thisMonth.plusMonths(13)).plus(Duration.ofDays(10));
    String early = db.insertInteraction("c-3", "impression", "gold-card", inMonth13);
    assertThat(db.partitionOf(early)).isEqualTo("interactions_default");

    SettableClock clock = new SettableClock(startOf(thisMonth.plusMonths(1)).plusSeconds(5));
    InteractionPartitions partitions = new InteractionPartitions(db.jdbc, clock);
    List<String> created = partitions.ensure();

    assertThat(created).containsExactly(InteractionPartitions.name(thisMonth.plusMonths(13)));
    assertThat(db.partitionOf(early))
        .isEqualTo(InteractionPartitions.name(thisMonth.plusMonths(13)));
    assertThat(partitions.ensure()).isEmpty();
    assertThat(partitions.ensure(thisMonth.plusMonths(13))).isFalse();

    // The moved row keeps its constraints, indexes and the tenant foreign key of the parent.
    String again = db.insertInteraction("c-3", "click", "gold-card", inMonth13.plusSeconds(1));
    assertThat(db.partitionOf(again))
        .isEqualTo(InteractionPartitions.name(thisMonth.plusMonths(13)));
    assertThat(
            new JdbcInteractionReader(db.jdbc)
                .recent(db.tenantId, "c-3", inMonth13.minusSeconds(1), END, 10))
        .extracting(ContactEntry::id)
        .containsExactly(again, early);
  }

  @Test
  void shouldRefuseTheStoreOnlyDecisionOutcomeAndUnknownTenants() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> db.insertInteraction("c-4", "decision", "gold-card", Instant.now()))
        .hasMessageContaining("interactions_outcome_not_decision");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                db.insertInteraction(
                    "no-such-tenant", "c-4", "click", "gold-card", null, null, Instant.now()))
        .hasMessageContaining("foreign key");
  }

  @Test
  void shouldCreateEachMonthOnceWhenSeveralNodesEnsureAtOnce() throws Exception {
    SettableClock later = new SettableClock(startOf(thisMonth.plusMonths(6)));
    List<java.util.concurrent.Future<List<String>>> results = new java.util.ArrayList<>();
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
      for (int i = 0; i < 4; i++) {
        results.add(pool.submit(() -> new InteractionPartitions(db.jdbc, later).ensure()));
      }
    }
    List<String> created = new java.util.ArrayList<>();
    for (var result : results) {
      created.addAll(result.get());
    }

    assertThat(created)
        .containsExactlyInAnyOrder(
            java.util.stream.IntStream.rangeClosed(13, 18)
                .mapToObj(i -> InteractionPartitions.name(thisMonth.plusMonths(i)))
                .toArray(String[]::new));
    assertThat(new InteractionPartitions(db.jdbc, later).existing()).hasSize(21);
  }

  private static Instant startOf(LocalDate month) {
    return month.withDayOfMonth(1).atStartOfDay().toInstant(ZoneOffset.UTC);
  }
}
