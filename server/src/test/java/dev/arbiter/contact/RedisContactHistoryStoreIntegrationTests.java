package dev.arbiter.contact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.contact.jdbc.JdbcInteractionReader;
import dev.arbiter.engine.policy.ContactEvent;
import dev.arbiter.testsupport.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link RedisContactHistoryStore} on the shared test Redis and a real PostgreSQL: the contract,
 * two nodes sharing lists, and what the lists look like in Redis. Every test uses its own customer
 * (and the class its own tenant), so keys never collide with other tests'.
 */
class RedisContactHistoryStoreIntegrationTests extends ContactHistoryStoreContract {
  private RedisClient adminClient;
  private RedisCommands<String, String> admin;

  @BeforeAll
  void connectAdmin() {
    adminClient = RedisClient.create(TestRedis.uri());
    StatefulRedisConnection<String, String> connection = adminClient.connect();
    admin = connection.sync();
  }

  @org.junit.jupiter.api.AfterAll
  void closeAdmin() {
    adminClient.shutdown();
  }

  @Override
  RedisContactHistoryStore newStore(ContactHistoryProperties properties) {
    RedisContactHistoryStore store =
        new RedisContactHistoryStore(
            null,
            TestRedis.uri(),
            Duration.ofSeconds(2), // a loaded 2-core machine can stall a command past 250 ms
            new JdbcInteractionReader(db.jdbc),
            properties,
            metrics,
            clock);
    store.ping();
    closeAfter.add(store);
    return store;
  }

  @Override
  boolean sharesLists() {
    return true;
  }

  @Test
  void shouldShareOneListBetweenTwoNodes() {
    db.insertInteraction(customer, "impression", "gold-card", now.minus(Duration.ofDays(1)));
    RedisContactHistoryStore nodeA = newStore(DEFAULTS);
    RedisContactHistoryStore nodeB = newStore(DEFAULTS);
    assertThat(nodeA.history(db.tenantId, customer)).hasSize(1);

    nodeB.append(db.tenantId, customer, List.of(decision("gold-card", now)));
    nodeA.append(db.tenantId, customer, List.of(decision("loan", now.plusMillis(1))));

    List<ContactEvent> seenByA = nodeA.history(db.tenantId, customer);
    assertThat(seenByA)
        .extracting(ContactEvent::offerKey)
        .containsExactly("loan", "gold-card", "gold-card");
    assertThat(nodeB.history(db.tenantId, customer)).isEqualTo(seenByA);
    // Only nodeA's first call loaded from PostgreSQL; both nodes answered the rest from Redis.
    assertThat(meters.scrape())
        .contains("arbiter_contact_history_requests_total{result=\"miss\"} 1.0")
        .contains("arbiter_contact_history_requests_total{result=\"hit\"} 2.0");
  }

  @Test
  void shouldKeepACompactHashWithTheHorizonAsTtl() {
    RedisContactHistoryStore store = newStore(DEFAULTS);
    db.insertInteraction(
        db.tenantId, customer, "impression", "gold-card", "cards", "web", now.minusSeconds(60));
    store.history(db.tenantId, customer);
    store.append(
        db.tenantId,
        customer,
        List.of(ContactEntry.decision(new ContactEvent("decision", "loan", null, "email", now))));

    String key = RedisContactHistoryStore.key(db.tenantId, customer);
    assertThat(key).isEqualTo("arbiter:ch:" + db.tenantId + ":" + customer);
    var hash = admin.hgetall(key);
    // the loaded marker, the version (a decision entry was appended), two entries
    assertThat(hash)
        .hasSize(4)
        .containsEntry("!", "h" + Duration.ofDays(90).toMillis() + "c500")
        .hasEntrySatisfying(
            "#", v -> assertThat(v).matches("0\u001fversion\u001f\\d+\u001f\u001f"));
    assertThat(hash.values())
        .contains(
            Long.toString(now.toEpochMilli(), 36) + "\u001fdecision\u001floan\u001f\u001femail");
    assertThat(admin.pttl(key))
        .isGreaterThan(Duration.ofDays(89).toMillis())
        .isLessThanOrEqualTo(Duration.ofDays(90).toMillis());
  }

  @Test
  void shouldBoundTheHashInRedisToTheCapsAndAQuarter() {
    RedisContactHistoryStore store =
        newStore(new ContactHistoryProperties(Duration.ofDays(90), 8, 1_000));
    store.history(db.tenantId, customer);
    String key = RedisContactHistoryStore.key(db.tenantId, customer);
    for (int i = 0; i < 100; i++) {
      store.append(db.tenantId, customer, List.of(decision("d-" + i, now.plusMillis(i))));
      // a cap of each kind, a quarter of a cap, the loaded marker and the version
      assertThat(admin.hlen(key)).isLessThanOrEqualTo(2 * 8 + 2 + 2);
    }
    assertThat(store.history(db.tenantId, customer))
        .extracting(ContactEvent::offerKey)
        .containsExactly("d-99", "d-98", "d-97", "d-96", "d-95", "d-94", "d-93", "d-92");

    for (int i = 100; i < 200; i++) {
      store.append(db.tenantId, customer, List.of(impression("i-" + i, now.plusMillis(i))));
      assertThat(admin.hlen(key)).isLessThanOrEqualTo(2 * 8 + 2 + 2);
    }
    List<ContactEvent> history = store.history(db.tenantId, customer);
    assertThat(history)
        .extracting(ContactEvent::offerKey)
        .containsExactly(
            "i-199", "i-198", "i-197", "i-196", "i-195", "i-194", "i-193", "i-192", "d-99", "d-98",
            "d-97", "d-96", "d-95", "d-94", "d-93", "d-92");
  }

  @Test
  void shouldKeepTheVersionInTheHashThroughTrimsAndStartAgainWhenTheListIsLost() {
    RedisContactHistoryStore store =
        newStore(new ContactHistoryProperties(Duration.ofDays(90), 8, 1_000));
    String key = RedisContactHistoryStore.key(db.tenantId, customer);
    java.util.Set<Long> versions = new java.util.HashSet<>();
    for (int i = 0; i < 40; i++) {
      ContactHistory read = store.read(db.tenantId, customer);
      assertThat(versions.add(read.version())).as("a version is never given twice").isTrue();
      assertThat(read.version() == 0).isEqualTo(i == 0);
      assertThat(
              store.appendDecisions(
                  db.tenantId, customer, List.of(decision("d-" + i, now.plusMillis(i))), read))
          .isTrue();
      // trims (every few appends here) keep the version field; it counts in the bound
      assertThat(admin.hlen(key)).isLessThanOrEqualTo(2 * 8 + 2 + 2);
    }
    // the version, then how many entries the last trim kept
    long last = store.read(db.tenantId, customer).version();
    assertThat(versions).doesNotContain(last);
    assertThat(admin.hget(key, "#")).isEqualTo("0\u001fversion\u001f" + last + "\u001f8\u001f");
    assertThat(store.history(db.tenantId, customer)).hasSize(8);

    // What a node built before the version field does with it: decodes it as an entry of 1970,
    // past every horizon, so it never counts.
    assertThat(ContactEntries.decode(admin.hget(key, "#")).time())
        .isEqualTo(java.time.Instant.EPOCH);

    ContactHistory stale = store.read(db.tenantId, customer);
    admin.del(key); // eviction, flush, restart: the list and its version are gone
    assertThat(appendDecision(store, "x", 0, stale)).isFalse();
    ContactHistory fresh = store.read(db.tenantId, customer);
    assertThat(fresh.version()).isZero();
    assertThat(fresh.events()).isEmpty();
    assertThat(appendDecision(store, "x", 0, fresh)).isTrue();
  }

  @Test
  void shouldNotLetAReadMadeBeforeTheListWasLostPassOnTheListWrittenAnew() {
    RedisContactHistoryStore nodeA = newStore(DEFAULTS);
    RedisContactHistoryStore nodeB = newStore(DEFAULTS);
    ContactHistory first = nodeA.read(db.tenantId, customer);
    assertThat(appendDecision(nodeA, "a", 0, first)).isTrue();
    ContactHistory stale = nodeA.read(db.tenantId, customer); // after one decision

    admin.del(RedisContactHistoryStore.key(db.tenantId, customer)); // evicted, flushed, expired
    ContactHistory fresh = nodeB.read(db.tenantId, customer);
    assertThat(appendDecision(nodeB, "b", 1, fresh)).isTrue();

    // the list written anew has one decision too, but not the same version
    assertThat(nodeB.read(db.tenantId, customer).version()).isNotEqualTo(stale.version());
    assertThat(appendDecision(nodeA, "c", 2, stale)).as("b was recorded since A read").isFalse();
  }

  @Test
  void shouldNotLetAReadMadeBeforeTheListWasRolledBackPassOnTheListWrittenAnew() {
    RedisContactHistoryStore store = newStore(DEFAULTS);
    String key = RedisContactHistoryStore.key(db.tenantId, customer);
    ContactHistory first = store.read(db.tenantId, customer);
    assertThat(appendDecision(store, "a", 0, first)).isTrue();
    String afterA = admin.hget(key, "#");
    ContactEntry b = decision("b", now.plusMillis(1));
    assertThat(
            store.appendDecisions(
                db.tenantId, customer, List.of(b), store.read(db.tenantId, customer)))
        .isTrue();
    ContactHistory stale = store.read(db.tenantId, customer); // after a and b

    // a failover to a replica that lagged by one append: the list as it was after a
    admin.hset(key, "#", afterA);
    admin.hdel(key, b.id());
    ContactHistory fresh = store.read(db.tenantId, customer);
    assertThat(appendDecision(store, "c", 2, fresh)).isTrue();

    // one decision after the rolled-back list's version, as b was: not the version b left
    assertThat(appendDecision(store, "d", 3, stale)).as("c was recorded since the read").isFalse();
  }

  @Test
  void shouldNeverLeaveAHashWithoutExpiryWhenAllItsEntriesArePastTheHorizon() {
    RedisContactHistoryStore store = newStore(DEFAULTS);
    String key = RedisContactHistoryStore.key(db.tenantId, customer);
    ContactHistory read = store.read(db.tenantId, customer);
    admin.del(key);

    // a decision replayed long after it was made: nothing to add but the version
    assertThat(
            store.appendDecisions(
                db.tenantId,
                customer,
                List.of(decision("old", now.minus(Duration.ofDays(91)))),
                read))
        .isTrue();
    assertThat(admin.hkeys(key)).containsExactly("#");
    assertThat(admin.pttl(key)).isPositive();
  }

  @Test
  void shouldTrimAListOfDecisionsOnlyAQuarterOfACapAfterItsCap() {
    int cap = 20;
    RedisContactHistoryStore store =
        newStore(new ContactHistoryProperties(Duration.ofDays(90), cap, 1_000));
    store.history(db.tenantId, customer);
    String key = RedisContactHistoryStore.key(db.tenantId, customer);
    long largest = 0;
    for (int i = 0; i < 200; i++) {
      store.append(db.tenantId, customer, List.of(decision("d-" + i, now.plusMillis(i))));
      if (i >= 3 * cap) { // after the first trim, which comes at twice the cap and a quarter
        largest = Math.max(largest, admin.hlen(key));
      }
    }
    // a cap, a quarter of one, the loaded marker and the version; not twice the cap as for a list
    // that holds both kinds (every read fetches and decodes what the hash holds)
    assertThat(largest).isLessThanOrEqualTo(cap + cap / 4 + 2).isGreaterThan(cap + 2);
    long version = store.read(db.tenantId, customer).version();
    assertThat(version).isPositive();

    // interactions fill their own cap beside the decisions'
    for (int i = 0; i < 3 * cap; i++) {
      store.append(db.tenantId, customer, List.of(impression("i-" + i, now.plusMillis(300 + i))));
    }
    assertThat(admin.hlen(key)).isLessThanOrEqualTo(2 * cap + cap / 4 + 2);
    assertThat(store.history(db.tenantId, customer)).hasSize(2 * cap);
    // interactions' trims keep the version and record what they kept
    assertThat(admin.hget(key, "#"))
        .isEqualTo("0\u001fversion\u001f" + version + "\u001f" + 2 * cap + "\u001f");
  }

  @Test
  void shouldReadListsWrittenBeforeTheVersionFieldAtVersionZero() {
    RedisContactHistoryStore store = newStore(DEFAULTS);
    String key = RedisContactHistoryStore.key(db.tenantId, customer);
    // a list as a node built before the version field leaves it: loaded, one decision entry
    admin.hset(
        key,
        java.util.Map.of(
            "!",
            "1",
            "d:old",
            ContactEntries.encode(new ContactEvent("decision", "gold-card", "cards", "web", now))));

    ContactHistory read = store.read(db.tenantId, customer);
    assertThat(read.version()).isZero();
    assertThat(read.events()).hasSize(1);
    // a version field a node cannot read counts as none
    admin.hset(key, "#", "garbage");
    assertThat(store.read(db.tenantId, customer).version()).isZero();
    assertThat(RedisContactHistoryStore.version("0\u001fversion\u001f12\u001f\u001f"))
        .isEqualTo(12);
  }

  @Test
  void shouldLeaveOutAndCountFieldsItCannotReadAndReadTheRest() {
    RedisContactHistoryStore store = newStore(DEFAULTS);
    String key = RedisContactHistoryStore.key(db.tenantId, customer);
    ContactEvent shown = new ContactEvent("decision", "carte-café", "cartes", "モバイル", now);
    ContactEvent older =
        new ContactEvent("impression", "gold-card", null, null, now.minusMillis(5));
    admin.hset(
        key,
        java.util.Map.of(
            "!",
            "1",
            "d:ok",
            ContactEntries.encode(shown),
            "0190a0b2-0000-7000-8000-000000000001",
            ContactEntries.encode(older),
            "d:torn",
            "kz1\u001fdecision\u001fgold-card",
            "d:future-format",
            "v2|whatever",
            "d:past",
            ContactEntries.encode(
                new ContactEvent("decision", "o", null, null, now.minus(Duration.ofDays(91))))));

    // read straight from Redis's bytes, non-ASCII values included; newest first
    assertThat(store.history(db.tenantId, customer)).containsExactly(shown, older);
    assertThat(meters.scrape()).contains("arbiter_contact_history_unreadable_total 2.0");
  }

  /** Reads that loaded the customer from PostgreSQL so far (misses), on every store of the test. */
  private double loads() {
    return meters.get("arbiter.contact.history.requests").tag("result", "miss").counter().count();
  }

  @Test
  void shouldLoadAgainWhenTheSettingsAskForMoreThanTheListWasLoadedWith() {
    Instant monthsAgo = now.minus(Duration.ofDays(120));
    db.insertInteraction(customer, "reject", "gold-card", monthsAgo);
    RedisContactHistoryStore defaults = newStore(DEFAULTS);
    defaults.append(db.tenantId, customer, List.of(decision("gold-card", now)));
    assertThat(defaults.history(db.tenantId, customer)).hasSize(1); // 90 days: not the reject

    // ARBITER_CONTACT_HORIZON raised to 200 days: the list was loaded with 90, so it is loaded
    // again and merged into what it holds (the decision entry stays)
    var longer = new ContactHistoryProperties(Duration.ofDays(200), 500, 1000);
    RedisContactHistoryStore raised = newStore(longer);
    assertThat(raised.history(db.tenantId, customer))
        .extracting(ContactEvent::outcome)
        .containsExactly("decision", "reject");
    String key = RedisContactHistoryStore.key(db.tenantId, customer);
    assertThat(admin.hget(key, "!")).isEqualTo(RedisContactHistoryStore.loadedMarker(longer));
    double misses = loads();
    raised.history(db.tenantId, customer);
    defaults.history(db.tenantId, customer);
    assertThat(loads()).as("both read it as loaded now").isEqualTo(misses);

    // a larger cap too; and lists marked by nodes built before the marker held the settings
    assertThat(raised.covers(RedisContactHistoryStore.loadedMarker(DEFAULTS))).isFalse();
    assertThat(newStore(new ContactHistoryProperties(Duration.ofDays(90), 501, 10)).covers("1"))
        .isFalse();
    assertThat(defaults.covers("1")).isTrue();
    assertThat(defaults.covers(RedisContactHistoryStore.loadedMarker(longer))).isTrue();
    assertThat(defaults.covers("h12")).isFalse();
    assertThat(defaults.covers("hxc500")).isFalse();
    assertThat(defaults.covers("h99999999999999999999c500")).isFalse();
    // what a later version may add after the two numbers is ignored
    assertThat(defaults.covers(RedisContactHistoryStore.loadedMarker(longer) + "x7")).isTrue();
  }

  @Test
  void shouldMarkAListTrimmedByANodeThatKeepsLessAsHoldingLess() {
    var more = new ContactHistoryProperties(Duration.ofDays(200), 10, 100);
    var less = new ContactHistoryProperties(Duration.ofDays(90), 8, 100);
    RedisContactHistoryStore big = newStore(more);
    RedisContactHistoryStore small = newStore(less);
    String key = RedisContactHistoryStore.key(db.tenantId, customer);
    big.history(db.tenantId, customer);
    assertThat(admin.hget(key, "!")).isEqualTo(RedisContactHistoryStore.loadedMarker(more));

    // the smaller node's appends trim the list to its cap: the marker follows
    for (int i = 0; i < 30; i++) {
      small.append(db.tenantId, customer, List.of(decision("gold-card", now.plusMillis(i))));
    }
    assertThat(admin.hget(key, "!")).isEqualTo(RedisContactHistoryStore.loadedMarker(less));
    double misses = loads();
    big.history(db.tenantId, customer);
    assertThat(loads()).as("the larger node loads again").isEqualTo(misses + 1);
    assertThat(admin.hget(key, "!")).isEqualTo(RedisContactHistoryStore.loadedMarker(more));
  }

  @Test
  void shouldNotLoadAgainAtEveryReadWhenTwoNodesSettingsDifferEachWayOnce() {
    var longer = new ContactHistoryProperties(Duration.ofDays(180), 300, 100);
    var larger = new ContactHistoryProperties(Duration.ofDays(90), 500, 100);
    RedisContactHistoryStore a = newStore(longer);
    RedisContactHistoryStore b = newStore(larger);
    String key = RedisContactHistoryStore.key(db.tenantId, customer);
    double before = loads();

    a.history(db.tenantId, customer); // loads with 180 days, 300
    b.history(db.tenantId, customer); // not covered (300 < 500): loads with 180 days and 500
    assertThat(admin.hget(key, "!"))
        .isEqualTo(
            RedisContactHistoryStore.loadedMarker(
                new ContactHistoryProperties(Duration.ofDays(180), 500, 100)));
    for (int i = 0; i < 3; i++) {
      a.history(db.tenantId, customer);
      b.history(db.tenantId, customer);
    }
    assertThat(loads() - before).as("two loads, then both read it as loaded").isEqualTo(2);
    // a damaged marker does not make a load reach back further than settings can
    assertThat(b.union("h999999999999999999c999999999").horizon()).isEqualTo(Duration.ofDays(3660));
    assertThat(b.union("h999999999999999999c999999999").maxEvents()).isEqualTo(10_000);
    assertThat(b.union("?")).isEqualTo(larger);
  }

  @Test
  void shouldLoadAgainWhenRedisLostTheList() {
    db.insertInteraction(customer, "impression", "gold-card", now.minus(Duration.ofDays(1)));
    RedisContactHistoryStore store = newStore(DEFAULTS);
    store.history(db.tenantId, customer);
    store.append(db.tenantId, customer, List.of(decision("gold-card", now)));

    admin.del(RedisContactHistoryStore.key(db.tenantId, customer)); // eviction, flush, restart

    // The interaction is durable; the decision entry lived only in Redis and is gone.
    assertThat(store.history(db.tenantId, customer))
        .extracting(ContactEvent::outcome)
        .containsExactly("impression");
  }
}
