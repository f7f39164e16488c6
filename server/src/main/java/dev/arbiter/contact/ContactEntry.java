package dev.arbiter.contact;

import dev.arbiter.engine.policy.ContactEvent;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One entry of a customer's contact history as the store keeps it: an event plus the identity that
 * lets the store merge lists without counting an entry twice.
 *
 * <p>An <em>interaction</em> entry carries the id of its row in {@code interactions}: the same
 * interaction loaded from PostgreSQL and appended after Respond is one entry. A <em>decision</em>
 * entry ({@link #decision}) gets a random id of its own and exists only in the store.
 *
 * @param id the interaction id (a UUIDv7) or a generated decision-entry id ({@code d:…}); never
 *     null, never {@value #RESERVED_ID}
 * @param event the event policies count; never null
 */
public record ContactEntry(String id, ContactEvent event) {
  /** The outcome name of store-only entries for offers a Recommend returned. */
  public static final String DECISION = "decision";

  /** Prefix of generated decision-entry ids; never the start of an interaction id (a UUID). */
  static final String DECISION_ID_PREFIX = "d:";

  /** Not an entry id: the store's own marker field in Redis. */
  static final String RESERVED_ID = "!";

  /** Not an entry id either: the field of the list's version in Redis. */
  static final String VERSION_ID = "#";

  public ContactEntry {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(event, "event");
    if (id.isEmpty() || id.equals(RESERVED_ID) || id.equals(VERSION_ID)) {
      throw new IllegalArgumentException("Expected an entry id, but got '" + id + "'");
    }
  }

  /**
   * The entry for a committed interaction row.
   *
   * @param interactionId the row's {@code id}
   * @param event built from the same values as the row (outcome, offer key, category, channel,
   *     occurred at); its outcome must not be {@value #DECISION}
   */
  public static ContactEntry interaction(String interactionId, ContactEvent event) {
    if (DECISION.equals(event.outcome())) {
      throw new IllegalArgumentException(
          "Expected an interaction outcome, but got '" + DECISION + "', which is store-only");
    }
    return new ContactEntry(interactionId, event);
  }

  /**
   * A store-only entry for an offer a Recommend returned, with a fresh random id (append it once; a
   * retried append of the same entry is harmless, a second entry is a second contact).
   *
   * @param event an event whose outcome is {@value #DECISION}
   */
  public static ContactEntry decision(ContactEvent event) {
    if (!DECISION.equals(event.outcome())) {
      throw new IllegalArgumentException(
          "Expected outcome '" + DECISION + "' for a decision entry, but got " + event.outcome());
    }
    long random = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
    return new ContactEntry(DECISION_ID_PREFIX + Long.toString(random, 36), event);
  }

  /** Whether this entry is durable (an interaction row) rather than store-only. */
  public boolean durable() {
    return !id.startsWith(DECISION_ID_PREFIX);
  }
}
