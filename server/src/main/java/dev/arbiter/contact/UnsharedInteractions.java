package dev.arbiter.contact;

import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * The {@code unshared_interactions} table: interactions Respond committed that are not yet known to
 * be in the contact-history lists every node shares (Redis). Respond writes a row in the statement
 * that records the interaction; {@link ContactSharing} deletes it once Redis has the interaction,
 * or appends what a crash or an outage left out.
 */
public interface UnsharedInteractions {

  /** Identifies a row: one per interaction. */
  record Key(String tenantId, String interactionId) {}

  /**
   * A claimed row and what it stands for.
   *
   * @param customerId whose list the interaction belongs to; null when the interaction no longer
   *     exists (its partition was dropped by retention): there is nothing to append
   * @param entry the interaction as its customer's list holds it; null as above
   */
  record Unshared(Key key, String customerId, ContactEntry entry) {}

  /**
   * Deletes these rows: their interactions are in the shared lists. Keys not (or no longer) there
   * are ignored.
   *
   * @return how many were deleted
   */
  int forget(Collection<Key> keys);

  /**
   * Claims up to {@code limit} rows written more than {@code grace} ago and not claimed by anyone
   * now, oldest first, each for {@code lease} (database time), committed at once so that no
   * transaction stays open while the caller appends. Rows another transaction is claiming at the
   * same moment are skipped, so nodes that run this at once get different ones.
   */
  List<Unshared> claim(Duration grace, Duration lease, int limit);

  /** How many rows were written more than {@code grace} ago (database time). */
  long count(Duration grace);
}
