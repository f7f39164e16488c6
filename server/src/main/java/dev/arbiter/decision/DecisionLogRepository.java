package dev.arbiter.decision;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Storage of decision traces and outbox events, written in batches. */
public interface DecisionLogRepository {
  void insertTraces(List<StoredTrace> traces);

  void insertEvents(List<OutboxEvent> events);

  /**
   * Traces newest first, filtered by any of {@code filter}'s fields, older than {@code beforeId}.
   */
  List<StoredTrace> findTraces(String tenantId, TraceFilter filter, String beforeId, int limit);

  /**
   * What traces are looked for; a null field does not filter.
   *
   * @param from created at or after
   * @param to created before
   */
  record TraceFilter(
      String customerId,
      String requestId,
      String decisionId,
      String flowKey,
      Instant from,
      Instant to) {
    /** Traces of one customer (tests, tools). */
    public static TraceFilter customer(String customerId) {
      return new TraceFilter(customerId, null, null, null, null, null);
    }
  }

  Optional<StoredTrace> findTrace(String tenantId, String id);

  /** A decision read back from its {@code decision.made.v1} event (whose id is the decision's). */
  Optional<RecordedDecision> findDecision(String tenantId, String decisionId);

  /** Deletes up to {@code batch} traces created before {@code cutoff}; returns how many. */
  int deleteTracesBefore(Instant cutoff, int batch);
}
