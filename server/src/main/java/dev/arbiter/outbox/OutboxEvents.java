package dev.arbiter.outbox;

import dev.arbiter.audit.AuditEntry;
import dev.arbiter.audit.AuditLog;
import dev.arbiter.shared.ApiException;
import dev.arbiter.shared.Ids;
import dev.arbiter.shared.Page;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.MDC;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A tenant's outbox as the APIs show it: the event log ({@code GET /api/v1/events}), the admin view
 * by status, and putting a dead-lettered event back in line (audited).
 */
public class OutboxEvents {
  private static final Set<String> STATUSES =
      Set.of("pending", "processing", "published", "failed");

  private final OutboxStore store;
  private final AuditLog audit;
  private final TransactionTemplate tx;
  private final Clock clock;

  public OutboxEvents(OutboxStore store, AuditLog audit, TransactionTemplate tx, Clock clock) {
    this.store = store;
    this.audit = audit;
    this.tx = tx;
    this.clock = clock;
  }

  /**
   * The tenant's events in id (≈ time) order after the cursor: each the CloudEvent document plus
   * its delivery {@code status}.
   */
  public Page<Map<String, Object>> events(String tenantId, Integer limit, String cursor) {
    int n = Page.limit(limit);
    return Page.of(store.list(tenantId, null, Page.after(cursor), n + 1), n, StoredEvent::id)
        .map(
            e -> {
              Map<String, Object> item = new LinkedHashMap<>(e.event());
              item.put("status", e.status());
              return item;
            });
  }

  /** The tenant's outbox rows with delivery details, optionally of one status. */
  public Page<Map<String, Object>> list(
      String tenantId, String status, Integer limit, String cursor) {
    if (status != null && !STATUSES.contains(status)) {
      throw ApiException.validation(
          "status", "must be one of pending, processing, published, failed");
    }
    int n = Page.limit(limit);
    return Page.of(store.list(tenantId, status, Page.after(cursor), n + 1), n, StoredEvent::id)
        .map(OutboxEvents::view);
  }

  /**
   * Puts a {@code failed} (or {@code pending}) event back to {@code pending}, due now, with its
   * attempts reset.
   *
   * @throws ApiException 404 when the tenant has no such event, 409 when it is published or being
   *     published
   */
  public Map<String, Object> retry(String tenantId, String actor, String id) {
    return tx.execute(
        s -> {
          StoredEvent before =
              store
                  .retry(tenantId, id)
                  .orElseThrow(() -> ApiException.notFound("Outbox event '" + id + "'"));
          if (before.status().equals("published") || before.status().equals("processing")) {
            throw new ApiException(
                409,
                "OUTBOX_EVENT_NOT_RETRYABLE",
                "Event cannot be retried",
                "Expected outbox event '"
                    + id
                    + "' to be failed or pending, but it is "
                    + before.status());
          }
          StoredEvent after = store.find(tenantId, id).orElseThrow();
          audit.record(
              tenantId,
              new AuditEntry(
                  Ids.newId(),
                  clock.instant(),
                  actor,
                  "retry",
                  "outbox_event",
                  id,
                  id,
                  MDC.get("requestId"),
                  audited(before),
                  audited(after)));
          return view(after);
        });
  }

  private static Map<String, Object> audited(StoredEvent e) {
    Map<String, Object> m = view(e);
    m.remove("event");
    return m;
  }

  static Map<String, Object> view(StoredEvent e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", e.id());
    m.put("type", e.type());
    m.put("partitionKey", e.partitionKey());
    m.put("status", e.status());
    m.put("attempts", e.attempts());
    m.put("nextAttemptAt", str(e.nextAttemptAt()));
    m.put("lastError", e.lastError());
    m.put("createdAt", str(e.createdAt()));
    m.put("claimedAt", str(e.claimedAt()));
    m.put("publishedAt", str(e.publishedAt()));
    m.put("event", e.event());
    return m;
  }

  private static String str(Object o) {
    return o == null ? null : o.toString();
  }
}
