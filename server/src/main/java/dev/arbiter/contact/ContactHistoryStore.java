package dev.arbiter.contact;

import dev.arbiter.engine.policy.ContactEvent;
import java.util.List;

/**
 * Each customer's recent contacts, for the contact-policy stage of Recommend.
 *
 * <p>A customer's history is the union of their interactions in PostgreSQL and the entries appended
 * to the store, merged by {@link ContactEntry#id()}, restricted to the store's horizon (events at
 * or after now minus {@link ContactHistoryProperties#horizon()}) and to the newest {@link
 * ContactHistoryProperties#maxEvents()} interactions and as many {@code decision} entries (each
 * kind capped apart, so decisions never push interactions out). Interactions are durable; {@code
 * decision} entries live only in the store and are forgotten when it drops the customer's list
 * (eviction, expiry, a Redis flush or restart, the switch to and from the in-process fallback), so
 * a policy counting decisions can then allow more than its cap: at most what the forgotten entries
 * would have blocked. Implementations are thread-safe.
 */
public interface ContactHistoryStore {

  /**
   * The customer's contacts within the horizon, newest first, at most {@link
   * ContactHistoryProperties#maxEvents()} of each kind. The first call for a customer (or the first
   * after the store dropped them) loads their interactions from PostgreSQL and keeps the merged
   * list.
   *
   * @return an immutable list; empty when the customer has none
   * @throws org.springframework.dao.DataAccessException when PostgreSQL fails on such a load
   */
  List<ContactEvent> history(String tenantId, String customerId);

  /**
   * Adds entries to the customer's list: {@link ContactEntry#decision decision entries} after a
   * Recommend, the {@link ContactEntry#interaction interaction} after its Respond committed.
   * Decision entries move the list's version on ({@link #appendDecisions}), interactions do not.
   * Does not read PostgreSQL: when the customer was not loaded yet, their interactions are merged
   * in on the next {@link #history} (an interaction both appended and loaded counts once).
   */
  void append(String tenantId, String customerId, List<ContactEntry> entries);

  /**
   * {@link #history} with the version of the customer's list, for a later {@link #appendDecisions}:
   * a Recommend whose flow has a policy counting decisions reads with this.
   */
  ContactHistory read(String tenantId, String customerId);

  /**
   * Appends a Recommend's decision entries only if no other decision was recorded for the customer
   * since {@code read} (by any node sharing the store), so that two concurrent decisions for one
   * customer cannot both pass a cap on decisions that only one of them fits in. Interactions
   * appended meanwhile (Respond) do not make it fail: an outcome that lands a moment after a
   * decision read the history is not one it could have seen either.
   *
   * @param entries decision entries; none is a no-op that returns true
   * @param read what the decision was made from ({@link #read}, same tenant and customer)
   * @return true if the entries were appended (the list's version moved on); false if nothing was
   *     appended because other decision entries were appended meanwhile (checked or not, also to a
   *     list the store dropped and held anew since), the store dropped a list read at a version
   *     other than 0, or the store failed or moved the list (a failover store): read again and
   *     decide again
   */
  boolean appendDecisions(
      String tenantId, String customerId, List<ContactEntry> entries, ContactHistory read);
}
