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
 * @param version the customer's list's version when read: it changes at every append of decision
 *     entries and is not given twice to one list (in Redis a random number: but for a chance of
 *     2^-48); 0 for a list that never took one, or that the store dropped since. Only equality
 *     means anything
 * @param epoch which mode of a {@link FailoverContactHistoryStore} answered (it changes at every
 *     switch between Redis and process memory); 0 for the other stores
 */
public record ContactHistory(List<ContactEvent> events, long version, long epoch) {
  public ContactHistory {
    Objects.requireNonNull(events, "events");
  }
}
