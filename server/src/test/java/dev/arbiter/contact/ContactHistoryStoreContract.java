package dev.arbiter.contact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.engine.policy.ContactEvent;
import dev.arbiter.testsupport.SettableClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What every {@link ContactHistoryStore} guarantees, run against a real migrated PostgreSQL (one
 * database per test class, a fresh customer per test) and whatever backend the subclass builds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ContactHistoryStoreContract {
  static final ContactHistoryProperties DEFAULTS = ContactHistoryProperties.DEFAULTS;

  final ContactDatabase db = ContactDatabase.migrated();
  final List<AutoCloseable> closeAfter = new ArrayList<>();
  PrometheusMeterRegistry meters;
  ContactHistoryMetrics metrics;
  SettableClock clock;
  String customer;
  Instant now;

  /** A store of the kind under test on {@link #db}, reading time from {@code clock}. */
  abstract ContactHistoryStore newStore(ContactHistoryProperties properties);

  @BeforeEach
  void setUp() {
    meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    metrics = new ContactHistoryMetrics(meters);
    // Whole milliseconds: the Redis encoding keeps millisecond precision.
    now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    clock = new SettableClock(now);
    customer = "cust-" + UUID.randomUUID();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable closeable : closeAfter.reversed()) {
      closeable.close();
    }
    closeAfter.clear();
  }

  @Test
  void shouldLoadInteractionsFromPostgresOnAMissAndAnswerLaterCallsWithoutIt() {
    db.insertInteraction(customer, "impression", "gold-card", now.minus(Duration.ofDays(3)));
    db.insertInteraction(customer, "click", "gold-card", now.minus(Duration.ofDays(2)));
    db.insertInteraction(
        db.tenantId, customer, "reject", "loan", null, null, now.minus(Duration.ofHours(1)));
    ContactHistoryStore store = newStore(DEFAULTS);

    List<ContactEvent> first = store.history(db.tenantId, customer);

    assertThat(first)
        .containsExactly(
            new ContactEvent("reject", "loan", null, null, now.minus(Duration.ofHours(1))),
            new ContactEvent("click", "gold-card", "cards", "web", now.minus(Duration.ofDays(2))),
            new ContactEvent(
                "impression", "gold-card", "cards", "web", now.minus(Duration.ofDays(3))));

    // A row PostgreSQL gains behind the store's back is not seen: the second call never reads it.
    db.insertInteraction(customer, "impression", "gold-card", now);
    assertThat(store.history(db.tenantId, customer)).isEqualTo(first);

    assertThat(meters.scrape())
        .contains("arbiter_contact_history_requests_total{result=\"miss\"} 1.0")
        .contains("arbiter_contact_history_requests_total{result=\"hit\"} 1.0")
        .contains("arbiter_contact_history_load_latency_seconds_count 1");
  }

  @Test
  void shouldAnswerAnEmptyHistoryForACustomerWithoutContactsAndRememberIt() {
    ContactHistoryStore store = newStore(DEFAULTS);

    assertThat(store.history(db.tenantId, customer)).isEmpty();
    assertThat(store.history(db.tenantId, customer)).isEmpty();

    assertThat(meters.scrape())
        .contains("arbiter_contact_history_requests_total{result=\"miss\"} 1.0")
        .contains("arbiter_contact_history_requests_total{result=\"hit\"} 1.0");
  }

  @Test
  void shouldNotHidePostgresRowsWhenAppendingBeforeTheFirstLoad() {
    db.insertInteraction(customer, "impression", "gold-card", now.minus(Duration.ofDays(5)));
    db.insertInteraction(customer, "reject", "gold-card", now.minus(Duration.ofDays(4)));
    ContactHistoryStore store = newStore(DEFAULTS);

    store.append(
        db.tenantId, customer, List.of(decision("loan", now.minus(Duration.ofMinutes(1)))));

    assertThat(store.history(db.tenantId, customer))
        .extracting(ContactEvent::outcome)
        .containsExactly("decision", "reject", "impression");
  }

  @Test
  void shouldCountAnInteractionOnceWhenItIsBothAppendedAndLoaded() {
    Instant at = now.minus(Duration.ofMinutes(5));
    String id = db.insertInteraction(customer, "accept", "gold-card", at);
    ContactEntry entry =
        ContactEntry.interaction(id, new ContactEvent("accept", "gold-card", "cards", "web", at));
    ContactHistoryStore store = newStore(DEFAULTS);

    store.append(db.tenantId, customer, List.of(entry)); // Respond committed, then appended
    assertThat(store.history(db.tenantId, customer)).hasSize(1);

    store.append(db.tenantId, customer, List.of(entry)); // a retried append
    assertThat(store.history(db.tenantId, customer)).hasSize(1);
  }

  @Test
  void shouldSeeAppendsAfterTheFirstLoadNewestFirst() {
    db.insertInteraction(customer, "impression", "gold-card", now.minus(Duration.ofDays(1)));
    ContactHistoryStore store = newStore(DEFAULTS);
    assertThat(store.history(db.tenantId, customer)).hasSize(1);

    Instant later = now.minus(Duration.ofSeconds(10));
    String id = db.insertInteraction(customer, "click", "gold-card", later);
    store.append(
        db.tenantId,
        customer,
        List.of(
            decision("gold-card", now),
            ContactEntry.interaction(
                id, new ContactEvent("click", "gold-card", "cards", "web", later))));

    assertThat(store.history(db.tenantId, customer))
        .containsExactly(
            new ContactEvent("decision", "gold-card", "cards", "web", now),
            new ContactEvent("click", "gold-card", "cards", "web", later),
            new ContactEvent(
                "impression", "gold-card", "cards", "web", now.minus(Duration.ofDays(1))));
  }

  @Test
  void shouldKeepOnlyTheNewestEntriesOfEachKindUpToTheCap() {
    ContactHistoryProperties five = new ContactHistoryProperties(Duration.ofDays(90), 5, 1_000);
    for (int i = 0; i < 4; i++) {
      db.insertInteraction(
          customer, "impression", "offer-" + i, now.minus(Duration.ofHours(10 - i)));
    }
    ContactHistoryStore store = newStore(five);
    assertThat(store.history(db.tenantId, customer)).hasSize(4);

    for (int i = 0; i < 20; i++) {
      store.append(db.tenantId, customer, List.of(decision("d-" + i, now.plusSeconds(i))));
    }

    // The decision entries are capped apart from the interactions, which they never push out.
    assertThat(store.history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly(
            "d-19", "d-18", "d-17", "d-16", "d-15", "offer-3", "offer-2", "offer-1", "offer-0");
  }

  @Test
  void shouldNeverLetDecisionEntriesPushInteractionsOutOfTheList() {
    ContactHistoryProperties three = new ContactHistoryProperties(Duration.ofDays(90), 3, 1_000);
    ContactHistoryStore store = newStore(three);
    assertThat(store.history(db.tenantId, customer)).isEmpty();

    // A customer shown offers far more often than they respond, as on a busy home screen.
    for (int i = 0; i < 40; i++) {
      Instant at = now.plusSeconds(i);
      if (i % 10 == 0) {
        store.append(db.tenantId, customer, List.of(impression("i-" + i, at)));
      } else {
        store.append(
            db.tenantId,
            customer,
            List.of(decision("d-" + i + "a", at), decision("d-" + i + "b", at.plusMillis(1))));
      }
    }

    List<ContactEvent> history = store.history(db.tenantId, customer);
    assertThat(history)
        .filteredOn(e -> e.outcome().equals("impression"))
        .extracting(ContactEvent::offerKey)
        .containsExactly("i-30", "i-20", "i-10");
    assertThat(history)
        .filteredOn(e -> e.outcome().equals("decision"))
        .extracting(ContactEvent::offerKey)
        .containsExactly("d-39b", "d-39a", "d-38b");
    assertThat(history).isSortedAccordingTo(Comparator.comparing(ContactEvent::time).reversed());
  }

  @Test
  void shouldCapEachKindWhenAnOlderEntryIsAppended() {
    ContactHistoryProperties two = new ContactHistoryProperties(Duration.ofDays(90), 2, 1_000);
    ContactHistoryStore store = newStore(two);
    assertThat(store.history(db.tenantId, customer)).isEmpty();
    for (int i = 0; i < 4; i++) {
      store.append(db.tenantId, customer, List.of(decision("d-" + i, now.plusSeconds(10 + i))));
    }
    // Older than everything held: merged by id and time rather than put in front.
    store.append(db.tenantId, customer, List.of(impression("late", now.plusSeconds(1))));
    store.append(db.tenantId, customer, List.of(impression("later", now.plusSeconds(2))));
    store.append(db.tenantId, customer, List.of(impression("latest", now.plusSeconds(3))));

    assertThat(store.history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly("d-3", "d-2", "latest", "later");
  }

  @Test
  void shouldKeepTheNewestEntriesUpToTheCapWhenEachAppendAddsSeveral() {
    ContactHistoryProperties seven = new ContactHistoryProperties(Duration.ofDays(90), 7, 1_000);
    db.insertInteraction(customer, "impression", "row", now.minus(Duration.ofHours(1)));
    ContactHistoryStore store = newStore(seven);
    assertThat(store.history(db.tenantId, customer)).hasSize(1);

    for (int i = 0; i < 6; i++) {
      Instant at = now.plusSeconds(10L * i);
      // A decision's entries in no particular order, as a Recommend appends them.
      store.append(
          db.tenantId,
          customer,
          List.of(
              decision(i + "b", at.plusMillis(1)),
              decision(i + "c", at),
              decision(i + "a", at.plusMillis(2))));
      if (i == 1) {
        assertThat(store.history(db.tenantId, customer))
            .extracting(ContactEvent::offerKey)
            .containsExactly("1a", "1b", "1c", "0a", "0b", "0c", "row");
      }
    }

    assertThat(store.history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly("5a", "5b", "5c", "4a", "4b", "4c", "3a", "row");
  }

  @Test
  void shouldCountEveryEntryOfAppendsAtTheSameInstant() {
    ContactHistoryStore store = newStore(DEFAULTS);
    assertThat(store.history(db.tenantId, customer)).isEmpty();

    store.append(db.tenantId, customer, List.of(decision("a", now), decision("b", now)));
    store.append(db.tenantId, customer, List.of(decision("a", now), decision("c", now)));

    assertThat(store.history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactlyInAnyOrder("a", "a", "b", "c");
  }

  @Test
  void shouldDropEntriesPastTheHorizonOnReadsAndAppendsAfterTimePasses() {
    ContactHistoryProperties week = new ContactHistoryProperties(Duration.ofDays(7), 500, 1_000);
    ContactHistoryStore store = newStore(week);
    assertThat(store.history(db.tenantId, customer)).isEmpty();
    for (int hours = 150; hours >= 30; hours -= 12) { // 11 entries, 6.25 to 1.25 days old
      store.append(
          db.tenantId,
          customer,
          List.of(decision("h" + hours, now.minus(Duration.ofHours(hours)))));
    }
    assertThat(store.history(db.tenantId, customer)).hasSize(11);

    clock.advance(Duration.ofDays(3)); // the horizon now starts 4 days (96 hours) before `now`

    assertThat(store.history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly("h30", "h42", "h54", "h66", "h78", "h90");
    store.append(
        db.tenantId,
        customer,
        List.of(
            decision("new", clock.instant()), decision("too-old", now.minus(Duration.ofDays(5)))));
    assertThat(store.history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly("new", "h30", "h42", "h54", "h66", "h78", "h90");
  }

  @Test
  void shouldLoadOnlyTheNewestRowsUpToTheCap() {
    ContactHistoryProperties three = new ContactHistoryProperties(Duration.ofDays(90), 3, 1_000);
    for (int i = 0; i < 6; i++) {
      db.insertInteraction(
          customer, "impression", "offer-" + i, now.minus(Duration.ofHours(10 - i)));
    }
    ContactHistoryStore store = newStore(three);
    store.append(db.tenantId, customer, List.of(decision("early", now.minus(Duration.ofDays(1)))));

    // The decision entry has a cap of its own.
    assertThat(store.history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly("offer-5", "offer-4", "offer-3", "early");
  }

  @Test
  void shouldForgetContactsOlderThanTheHorizon() {
    ContactHistoryProperties week = new ContactHistoryProperties(Duration.ofDays(7), 500, 1_000);
    db.insertInteraction(customer, "impression", "too-old", now.minus(Duration.ofDays(10)));
    db.insertInteraction(customer, "impression", "recent", now.minus(Duration.ofDays(3)));
    ContactHistoryStore store = newStore(week);
    store.append(
        db.tenantId, customer, List.of(decision("ancient", now.minus(Duration.ofDays(8)))));
    store.append(db.tenantId, customer, List.of(decision("fresh", now.minus(Duration.ofDays(1)))));

    assertThat(store.history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly("fresh", "recent");

    clock.advance(Duration.ofDays(5));
    assertThat(store.history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly("fresh");
  }

  @Test
  void shouldKeepTenantsAndCustomersApart() {
    String otherTenant = dev.arbiter.shared.Ids.newId();
    db.insertTenant(otherTenant);
    db.insertInteraction(customer, "impression", "mine", now.minus(Duration.ofHours(1)));
    db.insertInteraction(
        otherTenant,
        customer,
        "impression",
        "other-tenant",
        null,
        null,
        now.minus(Duration.ofHours(1)));
    db.insertInteraction(
        customer + "-x", "impression", "other-customer", now.minus(Duration.ofHours(1)));
    ContactHistoryStore store = newStore(DEFAULTS);
    store.append(otherTenant, customer, List.of(decision("other-tenant-decision", now)));

    assertThat(store.history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly("mine");
    assertThat(store.history(otherTenant, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly("other-tenant-decision", "other-tenant");
  }

  @Test
  void shouldLoseNoEntryWhenAppendsRaceWithTheFirstLoads() throws Exception {
    for (int i = 0; i < 20; i++) {
      db.insertInteraction(customer, "impression", "row-" + i, now.minus(Duration.ofHours(i + 1)));
    }
    ContactHistoryStore nodeA = newStore(DEFAULTS);
    ContactHistoryStore nodeB = sharesLists() ? newStore(DEFAULTS) : nodeA;
    int threads = 8;
    int appendsPerThread = 25;
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      ContactHistoryStore node = t % 2 == 0 ? nodeA : nodeB;
      int thread = t;
      workers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      go.await();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                      return;
                    }
                    for (int i = 0; i < appendsPerThread; i++) {
                      node.append(
                          db.tenantId,
                          customer,
                          List.of(decision("t" + thread + "-" + i, now.plusMillis(i))));
                      if (i % 5 == 0) {
                        node.history(db.tenantId, customer);
                      }
                    }
                  }));
    }
    go.countDown();
    for (Thread worker : workers) {
      worker.join();
    }

    List<ContactEvent> history = nodeA.history(db.tenantId, customer);
    assertThat(history).hasSize(20 + threads * appendsPerThread);
    assertThat(history).doesNotHaveDuplicates();
    assertThat(history).filteredOn(e -> e.outcome().equals("impression")).hasSize(20);
  }

  @Test
  void shouldAppendDecisionsOnlyIfNoOtherDecisionWasRecordedSinceTheRead() {
    db.insertInteraction(customer, "impression", "gold-card", now.minus(Duration.ofDays(1)));
    ContactHistoryStore nodeA = newStore(DEFAULTS);
    ContactHistoryStore nodeB = sharesLists() ? newStore(DEFAULTS) : nodeA;
    ContactHistory readByA = nodeA.read(db.tenantId, customer);
    ContactHistory readByB = nodeB.read(db.tenantId, customer);
    assertThat(readByA.events()).hasSize(1);
    assertThat(readByB.version()).isEqualTo(readByA.version());

    assertThat(appendDecision(nodeA, "a", 0, readByA)).isTrue();
    assertThat(appendDecision(nodeB, "b", 0, readByB))
        .as("another decision was recorded since B read")
        .isFalse();
    assertThat(nodeB.history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly("a", "gold-card");

    ContactHistory again = nodeB.read(db.tenantId, customer);
    assertThat(again.version()).isNotEqualTo(readByA.version());
    assertThat(again.events()).extracting(ContactEvent::offerKey).containsExactly("a", "gold-card");
    assertThat(appendDecision(nodeB, "b", 1, again)).isTrue();
    assertThat(nodeA.history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly("b", "a", "gold-card");
    assertThat(nodeA.appendDecisions(db.tenantId, customer, List.of(), readByA))
        .as("nothing to record")
        .isTrue();
  }

  @Test
  void shouldNotFailAConditionalAppendForInteractionsAppendedMeanwhile() {
    ContactHistoryStore store = newStore(DEFAULTS);
    ContactHistory read = store.read(db.tenantId, customer);

    store.append(db.tenantId, customer, List.of(impression("gold-card", now)));

    assertThat(appendDecision(store, "card", 1, read)).isTrue();
    assertThat(store.history(db.tenantId, customer)).hasSize(2);
  }

  @Test
  void shouldRecordExactlyAsManyDecisionsAsACapAllowsUnderConcurrentDeciders() throws Exception {
    int cap = 25;
    ContactHistoryStore nodeA = newStore(DEFAULTS);
    ContactHistoryStore nodeB = sharesLists() ? newStore(DEFAULTS) : nodeA;
    nodeA.read(db.tenantId, customer); // loaded: the deciders race on the list, not on the load
    nodeB.read(db.tenantId, customer);
    int threads = 8;
    // every decider's first read is made before any appends: all but one of those appends fail
    java.util.concurrent.CyclicBarrier firstReads = new java.util.concurrent.CyclicBarrier(threads);
    java.util.concurrent.atomic.AtomicInteger conflicts =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger appended =
        new java.util.concurrent.atomic.AtomicInteger();
    List<Thread> workers = new ArrayList<>();
    java.util.concurrent.ConcurrentLinkedQueue<Throwable> failures =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    for (int t = 0; t < threads; t++) {
      ContactHistoryStore node = t % 2 == 0 ? nodeA : nodeB;
      workers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      // what a Recommend does while a policy caps decisions at `cap` (bounded, so
                      // a store that never lets an append through fails instead of hanging)
                      for (int attempt = 0; attempt < 10_000; attempt++) {
                        ContactHistory read = node.read(db.tenantId, customer);
                        if (attempt == 0) {
                          firstReads.await(10, java.util.concurrent.TimeUnit.SECONDS);
                        }
                        if (read.events().size() >= cap) {
                          return;
                        }
                        if (node.appendDecisions(
                            db.tenantId,
                            customer,
                            List.of(decision("capped", now.plusMillis(read.events().size()))),
                            read)) {
                          appended.incrementAndGet();
                        } else {
                          conflicts.incrementAndGet();
                        }
                      }
                    } catch (Exception | AssertionError e) {
                      failures.add(e);
                    }
                  }));
    }
    for (Thread worker : workers) {
      worker.join();
    }

    assertThat(failures).isEmpty();
    assertThat(appended.get()).isEqualTo(cap);
    assertThat(nodeA.history(db.tenantId, customer)).hasSize(cap);
    assertThat(conflicts.get()).as("the first reads' appends but one").isGreaterThanOrEqualTo(7);
  }

  @Test
  void shouldMoveTheVersionOnForDecisionEntriesAppendedWithoutTheCheckButNotForInteractions() {
    ContactHistoryStore store = newStore(DEFAULTS);
    ContactHistory read = store.read(db.tenantId, customer);

    store.append(db.tenantId, customer, List.of(impression("gold-card", now)));
    assertThat(store.read(db.tenantId, customer).version()).isEqualTo(read.version());

    // a decision's last attempt, or entries replayed after an outage
    store.append(db.tenantId, customer, List.of(decision("loan", now)));
    assertThat(store.read(db.tenantId, customer).version()).isNotEqualTo(read.version());
    assertThat(appendDecision(store, "card", 1, read)).isFalse();
  }

  /** Whether two stores built by {@link #newStore} share lists (two nodes on one Redis). */
  boolean sharesLists() {
    return false;
  }

  static ContactEntry impression(String offerKey, Instant at) {
    return ContactEntry.interaction(
        "int-" + UUID.randomUUID(), new ContactEvent("impression", offerKey, "cards", "web", at));
  }

  /**
   * Appends one decision entry for {@code offerKey}, {@code millis} after {@link #now}, to this
   * test's customer's list in {@code store}, if the list is still as {@code read} saw it.
   */
  boolean appendDecision(
      ContactHistoryStore store, String offerKey, long millis, ContactHistory read) {
    return store.appendDecisions(
        db.tenantId, customer, List.of(decision(offerKey, now.plusMillis(millis))), read);
  }

  static ContactEntry decision(String offerKey, Instant at) {
    return ContactEntry.decision(new ContactEvent("decision", offerKey, "cards", "web", at));
  }
}
