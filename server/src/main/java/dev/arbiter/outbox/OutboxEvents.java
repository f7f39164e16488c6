package dev.arbiter.outbox;

import dev.arbiter.audit.AuditEntry;
import dev.arbiter.audit.AuditLog;
import dev.arbiter.shared.ApiException;
import dev.arbiter.shared.FieldError;
import dev.arbiter.shared.Page;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
   * How old an event must be before the log shows it. Event ids are taken before their rows commit,
   * and a row inserted earlier can commit after one inserted later; a reader that only reads rows
   * older than this never moves its cursor past a row still to commit (it would need an
   * insert-to-commit gap longer than this).
   */
  public static final java.time.Duration LOG_SETTLE = java.time.Duration.ofSeconds(5);

  /** Rows the event log reads first; later reads size themselves by the events per row seen. */
  private static final int FIRST_READ_ROWS = 4;

  /** One event of the log: its position, its CloudEvent, its row's delivery status. */
  private record LogItem(String position, Map<String, Object> event, String status) {}

  /**
   * The tenant's events in log order (insert time, then id; a batch row's events in id order) after
   * the cursor, at least {@link #LOG_SETTLE} old: each the CloudEvent document plus its delivery
   * {@code status}. The answer always carries a {@code nextCursor} to resume from (the given one
   * when nothing new is there), so a reader can follow the log. A cursor may point inside a batch
   * row: the page then goes on with that row's next event.
   */
  public Page<Map<String, Object>> events(String tenantId, Integer limit, String cursor) {
    int n = Page.limit(limit);
    String given = Page.after(cursor);
    OutboxStore.LogPosition after = position(given);
    // n + 1 events (the extra one tells that more exist), read a few rows at a time: a row holds
    // one event or up to a few hundred, and every event of a row read is decompressed and parsed
    List<LogItem> items = new ArrayList<>();
    OutboxStore.LogPosition from = after;
    int rowsRead = 0;
    int eventsRead = 0;
    while (items.size() <= n) {
      int need = n + 1 - items.size();
      int rows =
          rowsRead == 0
              ? Math.min(need, FIRST_READ_ROWS) + 1 // the row a cursor points inside, again
              : (int) Math.min(need, Math.ceil(need * (double) rowsRead / eventsRead)) + 1;
      List<StoredEvent> read = store.list(tenantId, null, from, rows, LOG_SETTLE);
      for (StoredEvent row : read) {
        boolean resumed = after != null && after.inBatch() && row.id().equals(after.id());
        for (int i = 0; i < row.events().size(); i++) {
          if (!resumed || i > after.index()) {
            items.add(new LogItem(row.position(i), row.events().get(i), row.status()));
          }
        }
        rowsRead++;
        eventsRead += row.events().size();
      }
      if (read.size() < rows) {
        break; // the end of the log
      }
      StoredEvent last = read.get(read.size() - 1);
      from = new OutboxStore.LogPosition(last.insertedAt(), last.id(), -1);
    }
    Page<LogItem> page = Page.of(items, n, LogItem::position);
    String next =
        page.pagination().nextCursor() != null
            ? page.pagination().nextCursor()
            : page.data().isEmpty()
                ? cursor == null || cursor.isBlank() ? null : cursor
                : Page.cursorOf(page.data().get(page.data().size() - 1).position());
    return new Page<>(page.data(), new Page.Pagination(next, page.pagination().hasMore()))
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
    return Page.of(
            store.list(
                tenantId, status, position(Page.after(cursor)), n + 1, java.time.Duration.ZERO),
            n,
            StoredEvent::position)
        .map(OutboxEvents::view);
  }

  private static OutboxStore.LogPosition position(String decoded) {
    if (decoded == null) {
      return null;
    }
    try {
      return OutboxStore.LogPosition.parse(decoded);
    } catch (IllegalArgumentException e) {
      throw ApiException.validation("cursor", "is not a cursor this API returned");
    }
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
          audit(tenantId, actor, "retry", id, id, audited(before), audited(after));
          return view(after);
        });
  }

  /** The most dead letters one bulk retry puts back in line, and how many by default. */
  public static final int MAX_BULK_RETRY = 10_000;

  public static final int DEFAULT_BULK_RETRY = 1_000;

  private static final Set<String> BULK_RETRY_FIELDS = Set.of("type", "createdBefore", "limit");

  /**
   * Puts the tenant's dead letters ({@code failed} events) back in line, as {@link #retry} does
   * one: up to {@code limit} (1 to {@link #MAX_BULK_RETRY}, default {@link #DEFAULT_BULK_RETRY}),
   * oldest first, optionally only those of a {@code type} or created before {@code createdBefore}
   * (an ISO-8601 instant). One audit entry records the filter and what was retried.
   *
   * @param body {@code {type?, createdBefore?, limit?}}, or null for every failed event up to the
   *     default limit
   * @return {@code {retried, events, hasMore}}: rows put back, the events they hold, and whether
   *     matching dead letters are left (call again)
   * @throws ApiException 422 for an unknown field or a bad value
   */
  public Map<String, Object> retryFailed(String tenantId, String actor, Map<String, Object> body) {
    return onFailed(tenantId, actor, body, "retried", "retry_failed", store::retryFailed);
  }

  /**
   * Deletes the tenant's dead letters that no retry will mend (an event the broker refuses for its
   * size, a document no node can read), chosen as {@link #retryFailed} chooses them. One audit
   * entry records the filter and the rows discarded (their ids, not their events: export those
   * first, with {@code GET /api/v1/admin/outbox?status=failed}, to keep them).
   *
   * @return {@code {discarded, events, hasMore}}
   * @throws ApiException 422 for an unknown field or a bad value
   */
  public Map<String, Object> discardFailed(
      String tenantId, String actor, Map<String, Object> body) {
    return onFailed(tenantId, actor, body, "discarded", "discard_failed", store::discardFailed);
  }

  /** What {@link #retryFailed} and {@link #discardFailed} do to the failed rows they pick. */
  @FunctionalInterface
  private interface OnFailed {
    OutboxStore.FailedRows apply(String tenantId, String type, Instant createdBefore, int limit);
  }

  private Map<String, Object> onFailed(
      String tenantId,
      String actor,
      Map<String, Object> body,
      String done,
      String action,
      OnFailed change) {
    Map<String, Object> given = body == null ? Map.of() : body;
    List<FieldError> errors = new ArrayList<>();
    for (String field : given.keySet()) {
      if (!BULK_RETRY_FIELDS.contains(field)) {
        errors.add(
            new FieldError(field, "is not a field of this call (type, createdBefore, limit)"));
      }
    }
    String type = null;
    if (given.get("type") != null) {
      if (given.get("type") instanceof String t && !t.isBlank() && t.length() <= 200) {
        type = t;
      } else {
        errors.add(new FieldError("type", "must be an event type, such as decision.made.v1"));
      }
    }
    Instant before =
        FieldError.instant(
            "createdBefore",
            given.get("createdBefore") == null ? null : String.valueOf(given.get("createdBefore")),
            errors);
    int limit = DEFAULT_BULK_RETRY;
    if (given.get("limit") != null) {
      if (given.get("limit") instanceof Integer n && n >= 1 && n <= MAX_BULK_RETRY) {
        limit = n;
      } else {
        errors.add(new FieldError("limit", "must be a whole number from 1 to " + MAX_BULK_RETRY));
      }
    }
    if (!errors.isEmpty()) {
      throw ApiException.validation(errors);
    }
    String typeFilter = type;
    Instant beforeFilter = before;
    int most = limit;
    return tx.execute(
        s -> {
          OutboxStore.FailedRows rows = change.apply(tenantId, typeFilter, beforeFilter, most);
          Map<String, Object> filter = new LinkedHashMap<>();
          filter.put("status", "failed");
          filter.put("type", typeFilter);
          filter.put("createdBefore", str(beforeFilter));
          filter.put("limit", most);
          Map<String, Object> changed = new LinkedHashMap<>();
          changed.put(done, rows.rows());
          changed.put("events", rows.events());
          changed.put("firstId", rows.firstId());
          changed.put("lastId", rows.lastId());
          if (rows.rows() > 0) {
            audit(tenantId, actor, action, "failed", null, filter, changed);
          }
          Map<String, Object> answer = new LinkedHashMap<>();
          answer.put(done, rows.rows());
          answer.put("events", rows.events());
          answer.put("hasMore", rows.more());
          return answer;
        });
  }

  /**
   * Deletes one of the tenant's dead letters ({@code failed}), audited with what the row was (not
   * its events).
   *
   * @throws ApiException 404 when the tenant has no such event, 409 {@code
   *     OUTBOX_EVENT_NOT_DISCARDABLE} when it is not failed (only dead letters are discarded)
   */
  public void discard(String tenantId, String actor, String id) {
    tx.executeWithoutResult(
        s -> {
          StoredEvent before =
              store
                  .discard(tenantId, id)
                  .orElseThrow(() -> ApiException.notFound("Outbox event '" + id + "'"));
          if (!before.status().equals("failed")) {
            throw new ApiException(
                409,
                "OUTBOX_EVENT_NOT_DISCARDABLE",
                "Event cannot be discarded",
                "Expected outbox event '"
                    + id
                    + "' to be failed (a dead letter), but it is "
                    + before.status());
          }
          audit(tenantId, actor, "discard", id, id, audited(before), null);
        });
  }

  /** Records an admin's change to the tenant's outbox ({@code kind=outbox_event}). */
  private void audit(
      String tenantId,
      String actor,
      String action,
      String key,
      String resourceId,
      Map<String, Object> before,
      Map<String, Object> after) {
    audit.record(
        tenantId,
        AuditEntry.of(
            clock.instant(), actor, action, "outbox_event", key, resourceId, before, after));
  }

  private static Map<String, Object> audited(StoredEvent e) {
    Map<String, Object> m = view(e);
    m.remove("event");
    m.remove("events");
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
    m.put("eventCount", e.eventCount());
    // a row of one event shows it as before; a batch row (since V12), all of them (or, when it
    // cannot be read, one entry that says why)
    if (e.eventCount() == 1) {
      m.put("event", e.events().get(0));
    } else {
      m.put("events", e.events());
    }
    return m;
  }

  private static String str(Object o) {
    return o == null ? null : o.toString();
  }
}
