package dev.arbiter.contact;

import java.time.Instant;
import java.util.List;

/** Reads a customer's durable interactions, the part of their history that survives the store. */
public interface InteractionReader {

  /**
   * The customer's interactions that occurred at or after {@code since}, newest first.
   *
   * @param limit at most this many (the newest)
   * @return {@link ContactEntry#interaction interaction entries}; empty when none
   */
  List<ContactEntry> recent(String tenantId, String customerId, Instant since, int limit);
}
