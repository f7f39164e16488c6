package dev.arbiter.decision;

import dev.arbiter.shared.ApiException;
import dev.arbiter.shared.BatchedDeletes;
import dev.arbiter.shared.Page;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
    java.util.List<dev.arbiter.shared.FieldError> errors = new java.util.ArrayList<>();
    Instant since = instant("from", from, errors);
    Instant until = instant("to", to, errors);
    if (since != null && until != null && !since.isBefore(until)) {
      errors.add(new dev.arbiter.shared.FieldError("to", "must be after from"));
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
          new dev.arbiter.shared.FieldError(
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

  private static Instant instant(
      String field, String value, java.util.List<dev.arbiter.shared.FieldError> errors) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return Instant.parse(value);
    } catch (java.time.format.DateTimeParseException e) {
      errors.add(
          new dev.arbiter.shared.FieldError(
              field, "must be an ISO-8601 instant, such as 2026-12-01T00:00:00Z"));
      return null;
    }
  }

  public java.util.Map<String, Object> get(String tenantId, String id) {
    return repository
        .findTrace(tenantId, id)
        .map(StoredTrace::document)
        .orElseThrow(() -> ApiException.notFound("Decision trace '" + id + "'"));
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
