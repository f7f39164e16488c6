package dev.arbiter.contact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.contact.jdbc.JdbcInteractionReader;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link LocalContactHistoryStore} on a real PostgreSQL: the contract plus its memory bound. */
class LocalContactHistoryStoreIntegrationTests extends ContactHistoryStoreContract {

  @Override
  LocalContactHistoryStore newStore(ContactHistoryProperties properties) {
    return new LocalContactHistoryStore(
        new JdbcInteractionReader(db.jdbc), properties, metrics, clock);
  }

  @Test
  void shouldNotLetAReadMadeBeforeTheListWasDroppedPassOnTheListHeldAnew() {
    LocalContactHistoryStore store = newStore(DEFAULTS);
    ContactHistory first = store.read(db.tenantId, customer);
    assertThat(appendDecision(store, "a", 0, first)).isTrue();
    ContactHistory stale = store.read(db.tenantId, customer); // after one decision

    store.clear(); // evicted, or forgotten at the switch to and from Redis
    ContactHistory fresh = store.read(db.tenantId, customer);
    assertThat(appendDecision(store, "b", 1, fresh)).isTrue();

    // the list held anew has one decision too, but not the same version
    assertThat(store.read(db.tenantId, customer).version()).isNotEqualTo(stale.version());
    assertThat(appendDecision(store, "c", 2, stale)).as("b was recorded since the read").isFalse();
  }

  @Test
  void shouldHoldAtMostMaxLocalCustomersAndReloadAnEvictedOneFromPostgres() {
    LocalContactHistoryStore store =
        newStore(new ContactHistoryProperties(Duration.ofDays(90), 500, 10));
    db.insertInteraction("first", "impression", "gold-card", now.minus(Duration.ofHours(1)));
    assertThat(store.history(db.tenantId, "first")).hasSize(1);

    for (int i = 0; i < 100; i++) {
      store.append(db.tenantId, "c-" + i, java.util.List.of(decision("gold-card", now)));
      store.history(db.tenantId, "c-" + i);
    }

    assertThat(store.size()).isLessThanOrEqualTo(10);
    assertThat(store.history(db.tenantId, "first")).hasSize(1);
  }
}
