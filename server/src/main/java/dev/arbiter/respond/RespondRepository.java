package dev.arbiter.respond;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Storage of Respond. The writes run inside the caller's transaction: either all of them commit or
 * none does.
 */
public interface RespondRepository {

  /** A stored Idempotency-Key's request hash and answer. */
  record StoredResponse(String requestHash, Map<String, Object> response) {}

  /** An interaction row. */
  record Interaction(
      String id,
      String tenantId,
      String customerId,
      String decisionId,
      String offerKey,
      String category,
      String channel,
      String outcome,
      BigDecimal value,
      Instant occurredAt,
      Instant recordedAt,
      String idempotencyKey) {}

  /** The answer stored under an Idempotency-Key, if one committed. */
  Optional<StoredResponse> findResponse(String tenantId, String idempotencyKey);

  /**
   * Claims an Idempotency-Key for this transaction. Waits while another transaction holds the same
   * key uncommitted.
   *
   * @return true if claimed; false if a committed request already holds it
   */
  boolean claimKey(
      String tenantId,
      String idempotencyKey,
      String requestHash,
      String interactionId,
      Map<String, Object> response,
      Instant at);

  void insertInteraction(Interaction interaction);

  /**
   * Records that the decision's offer charged {@code cost}, unless it already did.
   *
   * @return true if this is the first charge for the decision and offer
   */
  boolean charge(
      String tenantId,
      String decisionId,
      String offerKey,
      String interactionId,
      BigDecimal cost,
      Instant at);

  /**
   * Deletes up to {@code batch} idempotency keys stored before {@code cutoff}; returns how many.
   */
  int deleteKeysBefore(Instant cutoff, int batch);
}
