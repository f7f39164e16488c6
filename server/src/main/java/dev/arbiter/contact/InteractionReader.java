package dev.arbiter.contact;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Reads a customer's durable interactions, the part of their history that survives the store. */
public interface InteractionReader {

  /**
   * How far past its reader's clock an interaction is still read: Respond accepts an {@code
   * occurredAt} up to a few minutes ahead of its node's clock, and nodes' clocks differ; the bound
   * keeps a read of recent history out of the partitions of months to come.
   */
  Duration FUTURE_MARGIN = Duration.ofDays(1);

  /**
   * The customer's interactions that occurred at or after {@code since} and before {@code until},
   * newest first.
   *
   * @param until the end of the time range, exclusive: the reader's now plus {@link #FUTURE_MARGIN}
   * @param limit at most this many (the newest)
   * @return {@link ContactEntry#interaction interaction entries}; empty when none
   */
  List<ContactEntry> recent(
      String tenantId, String customerId, Instant since, Instant until, int limit);
}
