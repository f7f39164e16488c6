package dev.arbiter.respond;

import dev.arbiter.decision.OutboxEvent;
import dev.arbiter.engine.scoring.Learning;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Storage of Respond. */
public interface RespondRepository {

  /** A stored Idempotency-Key's request hash and the interaction it recorded. */
  record StoredResponse(String requestHash, Interaction interaction) {}

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

  /**
   * What an outcome teaches one model: Thompson increments or naive Bayes increments (one list is
   * empty). Added only where no reset of the model's evidence (or of the bin's predictor) came with
   * a catalog version newer than the decision's ({@code model_evidence_resets}).
   *
   * @param catalogVersion the catalog version the decision was made with
   */
  record Evidence(
      String modelKey,
      List<Learning.BetaIncrement> beta,
      List<Learning.BinIncrement> bins,
      long catalogVersion) {}

  /**
   * Everything one Respond writes.
   *
   * @param requestHash identifies the request under its key
   * @param evidence null when the outcome teaches no model
   * @param cost the offer's cost to charge for this decision unless charged already; null for none
   * @param catalogVersion the tenant's catalog version the charge is made with
   * @param unshared whether the interaction is also recorded as not yet in the shared contact lists
   *     ({@link dev.arbiter.contact.ContactSharing}: deleted once Redis has it)
   */
  record Write(
      String idempotencyKey,
      String requestHash,
      Interaction interaction,
      OutboxEvent event,
      Evidence evidence,
      BigDecimal cost,
      long catalogVersion,
      boolean unshared) {}

  /**
   * @param claimed false if a committed request already held the key (nothing was written)
   * @param charged whether this write charged the cost (the first positive outcome of the decision
   *     and offer); the charge is then also recorded as uncounted ({@link #forgetUncounted} once
   *     the budget ledger counted it)
   */
  /**
   * @param learned whether the evidence was added: false when there was none, or the model's
   *     evidence was reset after the decision
   */
  record Written(boolean claimed, boolean charged, boolean learned) {}

  /**
   * Writes it all atomically: claims the Idempotency-Key (waiting while another transaction holds
   * it uncommitted) and, only if claimed, the interaction, its outbox event, the evidence, the
   * charge and the interaction's unshared record. Either everything is kept or nothing.
   *
   * @throws org.springframework.dao.DataAccessException when any part fails (nothing is kept)
   */
  Written record(Write write);

  /**
   * What a committed Idempotency-Key recorded: its request hash and the interaction (whose fields
   * the answer is made of), if one committed.
   */
  Optional<StoredResponse> findResponse(String tenantId, String idempotencyKey);

  /**
   * Deletes up to {@code batch} idempotency keys stored before {@code cutoff}; returns how many.
   */
  int deleteKeysBefore(Instant cutoff, int batch);

  /**
   * Deletes up to {@code batch} cost charges made before {@code cutoff} whose decision can no
   * longer be responded to (its {@code decision.made.v1} event is gone, so Respond answers 404 and
   * cannot charge it again); returns how many.
   */
  int deleteChargesBefore(Instant cutoff, int batch);

  /** Identifies a cost charge: one per decision and offer. */
  record ChargeKey(String tenantId, String decisionId, String offerKey) {}

  /**
   * A committed cost charge not yet known to be counted in its offer's budget.
   *
   * @param catalogVersion the tenant's catalog version it was charged with
   */
  record UncountedCharge(ChargeKey key, BigDecimal cost, Instant chargedAt, long catalogVersion) {}

  /**
   * Forgets that these charges are uncounted: the budget ledger counted them. Keys not (or no
   * longer) recorded are ignored.
   *
   * @return how many were forgotten
   */
  int forgetUncounted(Collection<ChargeKey> keys);

  /**
   * Claims up to {@code limit} uncounted charges recorded more than {@code grace} ago and not
   * claimed by anyone now, oldest first: each is then claimed for {@code lease} (database time),
   * and committed at once, so no transaction stays open while the caller counts. Charges another
   * transaction is claiming at the same moment are skipped, so nodes that run this at once get
   * different ones.
   */
  List<UncountedCharge> claimUncounted(Duration grace, Duration lease, int limit);

  /**
   * Claims these charges for {@code lease} from now (database time), whoever held them: the node
   * that counted them keeps other nodes' reconcilers off while it cannot yet forget them.
   */
  void extendClaims(Collection<ChargeKey> keys, Duration lease);

  /** How many uncounted charges were recorded more than {@code grace} ago (database time). */
  long countUncounted(Duration grace);
}
