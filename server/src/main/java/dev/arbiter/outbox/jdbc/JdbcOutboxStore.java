package dev.arbiter.outbox.jdbc;

import dev.arbiter.db.CompressedJson;
import dev.arbiter.db.EventBatch;
import dev.arbiter.outbox.ClaimedEvent;
import dev.arbiter.outbox.OutboxStats;
import dev.arbiter.outbox.OutboxStore;
import dev.arbiter.outbox.StoredEvent;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** {@link OutboxStore} on PostgreSQL. */
public class JdbcOutboxStore implements OutboxStore {
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private static final String COLUMNS =
      """
      id, tenant_id, type, partition_key, event::text as event, event_compressed, status,
      attempts, next_attempt_at, last_error, created_at, claimed_at, published_at, inserted_at,
      event_count
      """;

  private final JdbcClient jdbc;
  private final JdbcTemplate batch;
  private final TransactionTemplate tx;
  private final JsonMapper json;

  public JdbcOutboxStore(
      JdbcClient jdbc, JdbcTemplate batch, TransactionTemplate tx, JsonMapper json) {
    this.jdbc = jdbc;
    this.batch = batch;
    this.tx = tx;
    this.json = json;
  }

  @Override
  public List<ClaimedEvent> claim(int limit) {
    // One statement is one short transaction: the row locks end when it commits, and from then
    // on the status keeps other claimers away.
    List<ClaimedEvent> claimed =
        jdbc.sql(
                """
                with due as (
                  select id, event_count, last_id from outbox_events
                   where status = 'pending' and next_attempt_at <= now()
                   order by id
                   limit :limit
                   for update skip locked),
                -- up to :limit events, and at least the first row whatever it holds; then also
                -- each next row whose first id lies inside the ids already taken (rows written by
                -- different writers interleave), so that the publisher, which sends a claim's
                -- events in id order, sends one customer's events in order. Rows locked above
                -- but not taken are free again when this statement commits.
                taken as (
                  select id from (
                    select id,
                           sum(case when events <= :limit or n = 1 or id <= before then 0 else 1 end)
                             over (order by id) as cuts
                      from (select id, sum(event_count) over w as events,
                                   row_number() over w as n,
                                   max(coalesce(last_id, id)) over (order by id rows between
                                       unbounded preceding and 1 preceding) as before
                              from due window w as (order by id)) d) c
                   where cuts = 0)
                update outbox_events o
                   set status = 'processing', claimed_at = now(), attempts = o.attempts + 1
                  from taken
                 where o.id = taken.id
                returning o.id, o.tenant_id, o.partition_key, o.event::text as event,
                          o.event_compressed, o.attempts, o.inserted_at, o.event_count
                """)
            .param("limit", limit)
            .query(
                (rs, n) -> {
                  List<ClaimedEvent.Record> records = List.of();
                  String unreadable = null;
                  try {
                    records = records(rs);
                  } catch (RuntimeException e) {
                    // one unreadable row must not fail the batch: claimed in id order, it would
                    // head every later claim and stop all publishing
                    unreadable = String.valueOf(e.getMessage());
                  }
                  return new ClaimedEvent(
                      rs.getString("id"),
                      rs.getString("tenant_id"),
                      records,
                      rs.getInt("event_count"),
                      rs.getInt("attempts"),
                      rs.getTimestamp("inserted_at").toInstant(),
                      unreadable);
                })
            .list();
    // RETURNING does not promise an order.
    return claimed.stream().sorted(Comparator.comparing(ClaimedEvent::id)).toList();
  }

  @Override
  public void markPublished(List<String> ids) {
    if (ids.isEmpty()) {
      return;
    }
    jdbc.sql(
            """
            update outbox_events
               set status = 'published', published_at = now(), last_error = null
             where id = any(:ids) and status <> 'published'
            """)
        .param("ids", ids.toArray(String[]::new))
        .update();
  }

  @Override
  public void markFailed(List<Failure> failures) {
    if (failures.isEmpty()) {
      return;
    }
    batch.batchUpdate(
        """
        update outbox_events
           set status = case when ? then 'failed' else 'pending' end,
               next_attempt_at = now() + ? * interval '1 millisecond',
               last_error = ?,
               attempts = case when ? then attempts else greatest(attempts - 1, 0) end
         where id = ? and status = 'processing'
        """,
        failures,
        500,
        (ps, f) -> {
          ps.setBoolean(1, f.deadLetter());
          ps.setLong(2, f.delay().toMillis());
          ps.setString(3, truncate(f.error()));
          ps.setBoolean(4, f.counted());
          ps.setString(5, f.id());
        });
  }

  @Override
  public void release(List<String> ids) {
    if (ids.isEmpty()) {
      return;
    }
    jdbc.sql(
            """
            update outbox_events
               set status = 'pending', claimed_at = null, next_attempt_at = now(),
                   attempts = greatest(attempts - 1, 0)
             where id = any(:ids) and status = 'processing'
            """)
        .param("ids", ids.toArray(String[]::new))
        .update();
  }

  @Override
  public int reapStale(Duration staleness) {
    return jdbc.sql(
            """
            update outbox_events
               set status = 'pending', next_attempt_at = now(),
                   last_error = 'reset by the reaper: claimed at ' || claimed_at || ' and never settled'
             where status = 'processing'
               and claimed_at < now() - :staleness * interval '1 millisecond'
            """)
        .param("staleness", staleness.toMillis())
        .update();
  }

  @Override
  public Purged purgePublished(Instant cutoff, int limit) {
    return purge("published", cutoff, limit);
  }

  @Override
  public Purged purgePending(Instant cutoff, int limit) {
    return purge("pending", cutoff, limit);
  }

  @Override
  public void recordPublisher(String name) {
    jdbc.sql(
            """
            insert into outbox_publishers (name) values (:name)
            on conflict (name) do update set last_seen_at = now()
            """)
        .param("name", name)
        .update();
  }

  @Override
  public java.util.Optional<Instant> publisherLastSeen() {
    return jdbc.sql("select max(last_seen_at) from outbox_publishers")
        .query((rs, n) -> rs.getTimestamp(1))
        .optional()
        .filter(java.util.Objects::nonNull)
        .map(Timestamp::toInstant);
  }

  private Purged purge(String status, Instant cutoff, int limit) {
    return jdbc.sql(
            """
            with gone as (
              delete from outbox_events where id in (
                select id from outbox_events
                 where status = :status and created_at < :cutoff
                 limit :limit)
              returning event_count)
            select count(*) as rows, coalesce(sum(event_count), 0) as events from gone
            """)
        .param("status", status)
        .param("cutoff", Timestamp.from(cutoff))
        .param("limit", limit)
        .query((rs, n) -> new Purged(rs.getInt("rows"), rs.getLong("events")))
        .single();
  }

  /**
   * Pending rows are counted one by one, and their events summed, up to this many; beyond it the
   * planner's estimate of the rows is reported, times the events per row of those counted. Counting
   * reads every pending row: in log-only mode the whole table within {@code OUTBOX_RETENTION} is
   * pending, and a Kafka outage grows the backlog by every event, while the counts are refreshed
   * every second (a publisher) or ten (log-only): an exact count of a large backlog would itself
   * keep the database's CPU busy, in bursts that every decision on the machine waits behind
   * (bench/RESULTS.md, 2026-12-05 third session). Since rows hold batches of events (V12), the sum
   * reads each counted row's heap tuple: a thousand rows hold up to 64,000 decision events.
   */
  public static final int EXACT_PENDING_LIMIT = 1_000;

  /**
   * The counts, in events, and the oldest unpublished event's creation time ({@code :over} is the
   * exact count's limit plus one: {@code pending_rows} above the limit says the count stopped
   * there; dead letters are summed over at most as many rows, which they never reach in a healthy
   * deployment). The oldest is the lesser of two minimums, one per status, each read from the first
   * entry of the {@code (status, created_at)} index; {@code min(created_at) where status in
   * ('pending', 'processing')} is not an index read, and PostgreSQL answered it with a parallel
   * scan of the whole table: 390 ms on three processes for 1.7 million rows, every ten seconds.
   * Public so that its plan can be checked.
   */
  public static final String STATS =
      """
      select p.pending_rows, p.pending,
             (select coalesce(sum(event_count), 0) from outbox_events
               where status = 'processing') as processing,
             (select coalesce(sum(event_count), 0)
                from (select event_count from outbox_events
                       where status = 'failed' limit :over) f) as failed,
             least((select min(created_at) from outbox_events where status = 'pending'),
                   (select min(created_at) from outbox_events where status = 'processing'))
               as oldest,
             now() as now
        from (select count(*) as pending_rows, coalesce(sum(event_count), 0) as pending
                from (select event_count from outbox_events
                       where status = 'pending' limit :over) counted) p
      """;

  @Override
  public OutboxStats stats() {
    return stats(EXACT_PENDING_LIMIT);
  }

  /** {@link #stats()} counting pending rows exactly up to {@code exactLimit}. */
  public OutboxStats stats(int exactLimit) {
    long[] counted = new long[2];
    OutboxStats s =
        jdbc.sql(STATS)
            .param("over", exactLimit + 1)
            .query(
                (rs, n) -> {
                  counted[0] = rs.getLong("pending_rows");
                  counted[1] = rs.getLong("pending");
                  return new OutboxStats(
                      rs.getLong("pending"),
                      rs.getLong("processing"),
                      rs.getLong("failed"),
                      instant(rs, "oldest"),
                      rs.getTimestamp("now").toInstant());
                })
            .single();
    if (counted[0] <= exactLimit) {
      return s;
    }
    // the rows counted hold this many events each on average; the rest are assumed alike
    double perRow = (double) counted[1] / counted[0];
    long rows = Math.max(exactLimit + 1L, estimatedPending());
    return s.withEstimatedPending(Math.max(counted[1], Math.round(rows * perRow)));
  }

  /** The planner's estimate of pending rows (from the statistics autovacuum's analyze keeps). */
  private long estimatedPending() {
    String plan =
        jdbc.sql("explain (format json) select 1 from outbox_events where status = 'pending'")
            .query(String.class)
            .single();
    return json.readTree(plan).path(0).path("Plan").path("Plan Rows").asLong(0);
  }

  @Override
  public List<StoredEvent> list(
      String tenantId, String status, OutboxStore.LogPosition after, int limit, Duration settle) {
    return jdbc.sql(
            "select "
                + COLUMNS
                + """
                  from outbox_events
                 where tenant_id = :tenantId
                   and (cast(:status as text) is null or status = :status)
                   and (cast(:afterAt as timestamptz) is null
                        or (inserted_at, id) %s (cast(:afterAt as timestamptz), :afterId))
                   and inserted_at <= clock_timestamp() - :settle * interval '1 millisecond'
                 order by inserted_at, id
                 limit :limit
                """
                    // after a position inside a batch row, that row again
                    .formatted(after != null && after.inBatch() ? ">=" : ">"))
        .param("tenantId", tenantId)
        .param("status", status)
        .param("afterAt", after == null ? null : Timestamp.from(after.insertedAt()))
        .param("afterId", after == null ? "" : after.id())
        .param("settle", settle.toMillis())
        .param("limit", limit)
        .query(this::stored)
        .list();
  }

  @Override
  public Optional<StoredEvent> find(String tenantId, String id) {
    return jdbc.sql(
            "select " + COLUMNS + " from outbox_events where tenant_id = :tenantId and id = :id")
        .param("tenantId", tenantId)
        .param("id", id)
        .query(this::stored)
        .optional();
  }

  @Override
  public Optional<StoredEvent> retry(String tenantId, String id) {
    return lockedThen(
        tenantId,
        id,
        status -> status.equals("failed") || status.equals("pending"),
        """
        update outbox_events
           set status = 'pending', attempts = 0, next_attempt_at = now(),
               last_error = null, claimed_at = null
         where id = :id
        """);
  }

  @Override
  public Optional<StoredEvent> discard(String tenantId, String id) {
    return lockedThen(
        tenantId,
        id,
        status -> status.equals("failed"),
        "delete from outbox_events where id = :id");
  }

  /** Locks the tenant's row {@code id} and runs {@code change} on it when its status allows. */
  private Optional<StoredEvent> lockedThen(
      String tenantId, String id, java.util.function.Predicate<String> allowed, String change) {
    return tx.execute(
        s -> {
          Optional<StoredEvent> before =
              jdbc.sql(
                      "select "
                          + COLUMNS
                          + " from outbox_events where tenant_id = :tenantId and id = :id"
                          + " for update")
                  .param("tenantId", tenantId)
                  .param("id", id)
                  .query(this::stored)
                  .optional();
          before
              .filter(e -> allowed.test(e.status()))
              .ifPresent(e -> jdbc.sql(change).param("id", id).update());
          return before;
        });
  }

  @Override
  public FailedRows retryFailed(String tenantId, String type, Instant createdBefore, int limit) {
    return onFailed(
        tenantId,
        type,
        createdBefore,
        limit,
        """
        update outbox_events o
           set status = 'pending', attempts = 0, next_attempt_at = now(),
               last_error = null, claimed_at = null
          from picked
         where o.id = picked.id
        returning o.id, o.event_count
        """);
  }

  @Override
  public FailedRows discardFailed(String tenantId, String type, Instant createdBefore, int limit) {
    return onFailed(
        tenantId,
        type,
        createdBefore,
        limit,
        """
        delete from outbox_events o
         using picked
         where o.id = picked.id
        returning o.id, o.event_count
        """);
  }

  /**
   * Runs {@code change} (which reads {@code picked} and returns {@code id, event_count}) on up to
   * {@code limit} of the tenant's failed rows, oldest first, skipping rows another transaction
   * holds.
   */
  private FailedRows onFailed(
      String tenantId, String type, Instant createdBefore, int limit, String change) {
    return tx.execute(
        s -> {
          String matching =
              """
               where tenant_id = :tenantId and status = 'failed'
                 and (cast(:type as text) is null or type = :type)
                 and (cast(:before as timestamptz) is null or created_at < :before)
              """;
          Map<String, Object> filter = new java.util.HashMap<>();
          filter.put("tenantId", tenantId);
          filter.put("type", type);
          filter.put("before", createdBefore == null ? null : Timestamp.from(createdBefore));
          List<Map<String, Object>> changed =
              jdbc.sql(
                      "with picked as (select id from outbox_events"
                          + matching
                          + """
                             order by inserted_at, id
                             limit :limit
                             for update skip locked)
                          """
                          + change)
                  .params(filter)
                  .param("limit", limit)
                  .query()
                  .listOfRows();
          boolean more =
              jdbc.sql("select exists (select 1 from outbox_events" + matching + ")")
                  .params(filter)
                  .query(Boolean.class)
                  .single();
          List<String> ids = changed.stream().map(r -> (String) r.get("id")).sorted().toList();
          long events =
              changed.stream().mapToLong(r -> ((Number) r.get("event_count")).longValue()).sum();
          return new FailedRows(
              ids.size(),
              events,
              ids.isEmpty() ? null : ids.get(0),
              ids.isEmpty() ? null : ids.get(ids.size() - 1),
              more);
        });
  }

  private StoredEvent stored(ResultSet rs, int row) throws SQLException {
    List<Map<String, Object>> events = new ArrayList<>();
    try {
      for (ClaimedEvent.Record r : records(rs)) {
        events.add(json.readValue(r.value(), MAP));
      }
    } catch (RuntimeException e) {
      // the log must stay readable past a row this node cannot read: it is listed with what the
      // row's columns say and why its document could not be read
      Map<String, Object> event = new java.util.LinkedHashMap<>();
      event.put("id", rs.getString("id"));
      event.put("type", rs.getString("type"));
      event.put("unreadable", String.valueOf(e.getMessage()));
      events = List.of(event);
    }
    return new StoredEvent(
        rs.getString("id"),
        rs.getString("tenant_id"),
        rs.getString("type"),
        rs.getString("partition_key"),
        events,
        rs.getInt("event_count"),
        rs.getString("status"),
        rs.getInt("attempts"),
        instant(rs, "next_attempt_at"),
        rs.getString("last_error"),
        instant(rs, "created_at"),
        instant(rs, "claimed_at"),
        instant(rs, "published_at"),
        instant(rs, "inserted_at"));
  }

  /**
   * A row's events as Kafka records. Its document is compressed by the server since V10 (jsonb in
   * rows written before it or by a node told to, {@code ARBITER_DOCUMENT_STORAGE=jsonb}), and is
   * one CloudEvent or, since V12, a batch of them ({@link EventBatch}), whose JSON this store's
   * mapper renders when the batch is compact.
   *
   * @throws IllegalArgumentException when the document cannot be read, or holds another number of
   *     events than the row says
   */
  private List<ClaimedEvent.Record> records(ResultSet rs) throws SQLException {
    byte[] document = CompressedJson.read(rs.getBytes("event_compressed"), rs.getString("event"));
    int count = rs.getInt("event_count");
    List<EventBatch.Entry> entries =
        EventBatch.entries(document, rs.getString("id"), rs.getString("partition_key"), json);
    if (entries.size() != count) {
      throw new IllegalArgumentException(
          "The row says it holds " + count + " events, but its document holds " + entries.size());
    }
    List<ClaimedEvent.Record> records = new ArrayList<>(entries.size());
    for (EventBatch.Entry e : entries) {
      records.add(new ClaimedEvent.Record(e.id(), e.partitionKey(), e.json()));
    }
    return records;
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    Timestamp t = rs.getTimestamp(column);
    return t == null ? null : t.toInstant();
  }

  private static String truncate(String error) {
    if (error == null) {
      return null;
    }
    return error.length() <= 2000 ? error : error.substring(0, 2000) + "…";
  }
}
