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
  private final Duration retention;
  private final Clock clock;

  public DecisionTraces(DecisionLogRepository repository, Duration retention, Clock clock) {
    this.repository = repository;
    this.retention = retention;
    this.clock = clock;
  }

  public Page<java.util.Map<String, Object>> find(
      String tenantId,
      String customerId,
      String requestId,
      String decisionId,
      Integer limit,
      String cursor) {
    int n = Page.limit(limit);
    return Page.of(
            repository.findTraces(
                tenantId, customerId, requestId, decisionId, Page.after(cursor), n + 1),
            n,
            StoredTrace::id)
        .map(StoredTrace::document);
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
