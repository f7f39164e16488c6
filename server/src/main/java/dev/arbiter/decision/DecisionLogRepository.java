package dev.arbiter.decision;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Storage of decision traces and outbox events, written in batches. */
public interface DecisionLogRepository {
  void insertTraces(List<StoredTrace> traces);

  void insertEvents(List<OutboxEvent> events);

  /** Traces newest first, filtered by any of the given fields (null: not filtered). */
  List<StoredTrace> findTraces(
      String tenantId,
      String customerId,
      String requestId,
      String decisionId,
      String beforeId,
      int limit);

  Optional<StoredTrace> findTrace(String tenantId, String id);

  /** A decision read back from its {@code decision.made.v1} event (whose id is the decision's). */
  Optional<RecordedDecision> findDecision(String tenantId, String decisionId);

  /** Deletes up to {@code batch} traces created before {@code cutoff}; returns how many. */
  int deleteTracesBefore(Instant cutoff, int batch);
}
