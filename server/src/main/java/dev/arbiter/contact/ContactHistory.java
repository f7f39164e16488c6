package dev.arbiter.contact;

import dev.arbiter.engine.policy.ContactEvent;
import java.util.List;
import java.util.Objects;

/**
 * A customer's contacts as {@link ContactHistoryStore#read} found them, with what {@link
 * ContactHistoryStore#appendDecisions} checks to know that no other decision was recorded for the
 * customer since.
 *
 * @param events newest first, immutable (what {@link ContactHistoryStore#history} returns)
 * @param version how many conditional decision appends the customer's list had taken when read (0
 *     for a list that never took one, or that the store dropped since)
 * @param epoch which mode of a {@link FailoverContactHistoryStore} answered (it changes at every
 *     switch between Redis and process memory); 0 for the other stores
 */
public record ContactHistory(List<ContactEvent> events, long version, long epoch) {
  public ContactHistory {
    Objects.requireNonNull(events, "events");
  }
}
