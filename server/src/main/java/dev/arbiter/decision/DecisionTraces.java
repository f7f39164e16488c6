package dev.arbiter.decision;

import dev.arbiter.shared.ApiException;
import dev.arbiter.shared.BatchedDeletes;
import dev.arbiter.shared.FieldError;
import dev.arbiter.shared.Page;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads stored decision traces and deletes those older than the retention. */
public class DecisionTraces {
  private static final Logger log = LoggerFactory.getLogger(DecisionTraces.class);
  private final DecisionLogRepository repository;

  /** The longest time range a search by flow alone may cover. */
  static final Duration FLOW_SPAN = Duration.ofHours(24);

  private final Duration retention;
  private final Clock clock;

  public DecisionTraces(DecisionLogRepository repository, Duration retention, Clock clock) {
    this.repository = repository;
    this.retention = retention;
    this.clock = clock;
  }

  /**
   * The tenant's traces, newest first, by any of customer, request, decision, flow and a time range
   * ({@code from} inclusive, {@code to} exclusive, ISO-8601 instants).
   *
   * @throws ApiException 422 for a malformed or reversed time range
   */
  public Page<java.util.Map<String, Object>> find(
      String tenantId,
      String customerId,
      String requestId,
      String decisionId,
      String flowKey,
      String from,
      String to,
      Integer limit,
      String cursor) {
    List<FieldError> errors = new ArrayList<>();
    Instant since = FieldError.instant("from", blankAsNull(from), errors);
    Instant until = FieldError.instant("to", blankAsNull(to), errors);
    if (since != null && until != null && !since.isBefore(until)) {
      errors.add(new FieldError("to", "must be after from"));
    }
    // traces are indexed by customer, request, decision and time, not by flow: a flow alone is
    // looked for within a day, so a rare (or misspelt) flow cannot make one call read every trace
    if (flowKey != null
        && customerId == null
        && requestId == null
        && decisionId == null
        && errors.isEmpty()
        && (since == null
            || Duration.between(since, until == null ? clock.instant() : until).compareTo(FLOW_SPAN)
                > 0)) {
      errors.add(
          new FieldError(
              "from",
              "with flowKey alone (no customerId, requestId or decisionId), from and to must be"
                  + " at most "
                  + FLOW_SPAN.toHours()
                  + " hours apart (to defaults to now): traces are not indexed by flow"));
    }
    if (!errors.isEmpty()) {
      throw ApiException.validation(errors);
    }
    int n = Page.limit(limit);
    DecisionLogRepository.TraceFilter filter =
        new DecisionLogRepository.TraceFilter(
            customerId, requestId, decisionId, flowKey, since, until);
    return Page.of(
            repository.findTraces(tenantId, filter, Page.after(cursor), n + 1), n, StoredTrace::id)
        .map(StoredTrace::document);
  }

  public java.util.Map<String, Object> get(String tenantId, String id) {
    return repository
        .findTrace(tenantId, id)
        .map(StoredTrace::document)
        .orElseThrow(() -> ApiException.notFound("Decision trace '" + id + "'"));
  }

  private static String blankAsNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /** Deletes traces older than the retention, in batches; returns how many. */
  public int purge() {
    Instant cutoff = clock.instant().minus(retention);
    int total = BatchedDeletes.all(10_000, n -> repository.deleteTracesBefore(cutoff, n));
    if (total > 0) {
      log.info("Deleted {} decision traces older than {}", total, retention);
    }
    return total;
  }
}
