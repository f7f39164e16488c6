package dev.arbiter.decision.jdbc;

import dev.arbiter.db.CompressedJson;
import dev.arbiter.db.DocumentStorage;
import dev.arbiter.db.EventBatch;
import dev.arbiter.db.EventEncoding;
import dev.arbiter.decision.CompactDecisionEvents;
import dev.arbiter.decision.DecisionLogRepository;
import dev.arbiter.decision.DecisionLogRepository.TraceFilter;
import dev.arbiter.decision.OutboxEvent;
import dev.arbiter.decision.RecordedDecision;
import dev.arbiter.decision.StoredTrace;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link DecisionLogRepository} on PostgreSQL; traces are inserted as JDBC batches, events as one
 * statement per batch. Trace bodies and events are written compressed by the server ({@link
 * CompressedJson}), or as jsonb when told to ({@link DocumentStorage}); both formats are read.
 */
public class JdbcDecisionLogRepository implements DecisionLogRepository {
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private final JdbcClient jdbc;
  private final JdbcTemplate batch;
  private final JsonMapper json;
  private final boolean compressed;
  private final Runnable eventsWritten;

  /**
   * Decision events a row holds at most by default ({@code ARBITER_DECISION_EVENTS_PER_ROW}); a row
   * also ends at {@link #ROW_JSON_BUDGET}, which on the reference flow (1.6 KB per event) comes
   * first, at about 30 events.
   */
  public static final int DEFAULT_EVENTS_PER_ROW = 64;

  private final int eventsPerRow;
  private final boolean compact;

  /**
   * The most JSON a batch row's events amount to before compression (a single larger event makes a
   * row of its own). 48 KiB of decision events compress to about 6.5 KB, which PostgreSQL keeps in
   * the row's page; a larger document is cut into TOAST chunks of 2 KB, each a tuple and an index
   * entry of its own (64 events of the reference flow, 103 KB, made 13.5 KB: bench/RESULTS.md).
   */
  static final int ROW_JSON_BUDGET = 48 * 1024;

  /**
   * The most bytes of a {@link EventBatch#COMPACT} row's document before compression, for the same
   * reason as {@link #ROW_JSON_BUDGET}; the event that crosses it is the row's last. On the
   * reference flow (about 470 bytes per event) a row holds about 30 events, as a JSON row does, and
   * compresses to about 7 KB (12 KiB made 26 events and 6.0 KB: bench/RESULTS.md).
   */
  static final int ROW_COMPACT_BUDGET = 14 * 1024;

  /** A repository writing the default formats, {@link DocumentStorage#COMPRESSED} and compact. */
  public JdbcDecisionLogRepository(
      JdbcClient jdbc, JdbcTemplate batch, JsonMapper json, Runnable eventsWritten) {
    this(
        jdbc,
        batch,
        json,
        DocumentStorage.COMPRESSED,
        DEFAULT_EVENTS_PER_ROW,
        EventEncoding.COMPACT,
        eventsWritten);
  }

  /**
   * @param storage the format traces and events are written in
   * @param eventsPerRow the most events one outbox row holds ({@link EventBatch}); 1 writes a row
   *     per event, the only form nodes before V12 read. Rows in {@code jsonb} hold one event each.
   * @param encoding how decision events are written into a row of several
   * @param eventsWritten called after events were inserted and committed (pokes the outbox
   *     publisher's notifier)
   */
  public JdbcDecisionLogRepository(
      JdbcClient jdbc,
      JdbcTemplate batch,
      JsonMapper json,
      DocumentStorage storage,
      int eventsPerRow,
      EventEncoding encoding,
      Runnable eventsWritten) {
    if (eventsPerRow < 1) {
      throw new IllegalArgumentException("eventsPerRow must be at least 1, got " + eventsPerRow);
    }
    this.jdbc = jdbc;
    this.batch = batch;
    this.json = json;
    this.compressed = storage == DocumentStorage.COMPRESSED;
    this.eventsPerRow = compressed ? eventsPerRow : 1;
    this.compact = encoding == EventEncoding.COMPACT;
    this.eventsWritten = eventsWritten;
  }

  /** Trace inserts, by the column the body goes to and the expression that fills it. */
  private static final String INSERT_TRACES =
      """
      insert into decision_traces (id, tenant_id, decision_id, request_id, customer_id, flow_key,
                                   flow_version, created_at, %s)
      values (?, ?, ?, ?, ?, ?, ?, ?, %s)
      on conflict (id) do nothing
      """;

  @Override
  public void insertTraces(List<StoredTrace> traces) {
    batch.batchUpdate(
        compressed
            ? INSERT_TRACES.formatted("body_compressed", "?")
            : INSERT_TRACES.formatted("body", "cast(? as jsonb)"),
        traces,
        500,
        (ps, t) -> {
          ps.setString(1, t.id());
          ps.setString(2, t.tenantId());
          ps.setString(3, t.decisionId());
          ps.setString(4, t.requestId());
          ps.setString(5, t.customerId());
          ps.setString(6, t.flowKey());
          ps.setInt(7, t.flowVersion());
          ps.setTimestamp(8, Timestamp.from(t.createdAt()));
          if (compressed) {
            ps.setBytes(9, CompressedJson.compress(json.writeValueAsBytes(t.body())));
          } else {
            ps.setString(9, json.writeValueAsString(t.body()));
          }
        });
  }

  /**
   * Rows per statement. A batch is inserted as one {@code insert … select from unnest(arrays)}
   * rather than a JDBC batch of one statement per row: PostgreSQL then plans and starts one
   * statement per batch, which cut its CPU per event row by a fifth (25 to 20.5 µs on the benchmark
   * machine, bench/RESULTS.md).
   */
  public static final int ROWS_PER_STATEMENT = 500;

  /**
   * Row inserts, by the column the document goes to, the expression that fills it from the array's
   * element {@code e.document}, and that array's type.
   */
  private static final String INSERT_EVENTS =
      """
      insert into outbox_events (id, tenant_id, type, partition_key, %s, status, attempts,
                                 next_attempt_at, created_at, event_count, last_id)
      select e.id, e.tenant_id, e.type, e.partition_key, %s, 'pending', 0,
             now(),
             timestamptz 'epoch' + e.micros * interval '1 microsecond',
             e.event_count, e.last_id
        from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::%s[], ?::bigint[], ?::int[],
                    ?::text[])
             as e(id, tenant_id, type, partition_key, document, micros, event_count, last_id)
      on conflict (id) do nothing
      """;

  private static final String INSERT_COMPRESSED_EVENTS =
      INSERT_EVENTS.formatted("event_compressed", "e.document", "bytea");
  private static final String INSERT_JSONB_EVENTS =
      INSERT_EVENTS.formatted("event", "cast(e.document as jsonb)", "text");

  /**
   * An outbox row to insert: one event, or a batch of a tenant's events of one type ({@code events}
   * in id order, the first's id the row's), with each event's JSON or, in a compact batch, the
   * batch's uncompressed document ({@code compact}, else null).
   */
  private record Row(List<OutboxEvent> events, List<byte[]> json, byte[] compact) {

    Row(List<OutboxEvent> events, List<byte[]> json) {
      this(events, json, null);
    }

    OutboxEvent first() {
      return events.get(0);
    }

    String lastId() {
      return events.size() == 1 ? null : events.get(events.size() - 1).id();
    }

    Instant createdAt() {
      Instant least = first().createdAt();
      for (OutboxEvent e : events) {
        least = e.createdAt().isBefore(least) ? e.createdAt() : least;
      }
      return least;
    }
  }

  @Override
  public void insertEvents(List<OutboxEvent> events) {
    List<Row> rows = rows(events);
    for (int from = 0; from < rows.size(); from += ROWS_PER_STATEMENT) {
      List<Row> chunk = rows.subList(from, Math.min(rows.size(), from + ROWS_PER_STATEMENT));
      batch.execute((ConnectionCallback<Integer>) con -> insertRows(con, chunk));
    }
    eventsWritten.run();
  }

  /**
   * The rows that hold {@code events}: per tenant and type, in id order, up to {@code eventsPerRow}
   * events whose ids lie within {@link EventBatch#MAX_SPAN_MILLIS} of the row's first. The same
   * events always make the same rows, so a batch retried after a failure inserts nothing twice
   * ({@code on conflict (id) do nothing}). An event whose id is not a UUIDv7 gets a row of its own.
   */
  private List<Row> rows(List<OutboxEvent> events) {
    List<Row> rows = new ArrayList<>();
    Map<List<String>, List<OutboxEvent>> groups = new LinkedHashMap<>();
    for (OutboxEvent e : events) {
      if (eventsPerRow == 1 || uuidMillis(e) < 0) {
        rows.add(new Row(List.of(e), List.of(json.writeValueAsBytes(e.event()))));
      } else {
        groups.computeIfAbsent(List.of(e.tenantId(), e.type()), k -> new ArrayList<>()).add(e);
      }
    }
    for (List<OutboxEvent> all : groups.values()) {
      all.sort(Comparator.comparing(OutboxEvent::id));
      // an event given twice (a retry) is stored once, as a row of one event would be
      List<OutboxEvent> group = new ArrayList<>(all.size());
      for (OutboxEvent e : all) {
        if (group.isEmpty() || !group.get(group.size() - 1).id().equals(e.id())) {
          group.add(e);
        }
      }
      if (compact && group.size() > 1) {
        List<Row> compactRows = new ArrayList<>();
        try {
          compactRows(group, compactRows);
          rows.addAll(compactRows);
          continue;
        } catch (IllegalArgumentException e) {
          // an event that is not a decision's whole CloudEvent, or a string with an unpaired
          // surrogate, which tokens cannot hold and JSON escapes: the group is written as JSON,
          // as it would be every time (rows stay the same on a retry)
        }
      }
      List<byte[]> json = new ArrayList<>(group.size());
      for (OutboxEvent e : group) {
        json.add(this.json.writeValueAsBytes(e.event()));
      }
      int from = 0;
      long firstMillis = uuidMillis(group.get(0));
      long rowBytes = json.get(0).length;
      for (int i = 1; i <= group.size(); i++) {
        boolean cut =
            i == group.size()
                || i - from == eventsPerRow
                || rowBytes + json.get(i).length > ROW_JSON_BUDGET
                || uuidMillis(group.get(i)) - firstMillis > EventBatch.MAX_SPAN_MILLIS;
        if (cut) {
          rows.add(
              new Row(List.copyOf(group.subList(from, i)), List.copyOf(json.subList(from, i))));
          from = i;
          if (i < group.size()) {
            firstMillis = uuidMillis(group.get(i));
            rowBytes = 0;
          }
        }
        if (i < group.size()) {
          rowBytes += json.get(i).length;
        }
      }
    }
    return rows;
  }

  /**
   * The rows of a group in {@link EventBatch#COMPACT} batches, cut as {@link #rows} cuts JSON ones
   * but at {@link #ROW_COMPACT_BUDGET}. A row of one event (the last, or one the span cuts off) is
   * JSON: nodes built before the compact encoding would take a compact row of one for a CloudEvent.
   *
   * @throws IllegalArgumentException when an event is not {@link CompactDecisionEvents#compactable}
   *     or holds a string tokens cannot hold (an unpaired surrogate), after adding the rows before
   *     it to {@code rows}
   */
  private void compactRows(List<OutboxEvent> group, List<Row> rows) {
    int from = 0;
    while (from < group.size()) {
      long firstMillis = uuidMillis(group.get(from));
      EventBatch.CompactBatch batch = new EventBatch.CompactBatch();
      int to = from;
      while (to < group.size()
          && batch.count() < eventsPerRow
          && batch.size() < ROW_COMPACT_BUDGET
          && uuidMillis(group.get(to)) - firstMillis <= EventBatch.MAX_SPAN_MILLIS) {
        OutboxEvent e = group.get(to++);
        CompactDecisionEvents.write(e, batch.add(e.id(), e.partitionKey()));
      }
      List<OutboxEvent> events = List.copyOf(group.subList(from, to));
      rows.add(
          events.size() == 1
              ? new Row(events, List.of(json.writeValueAsBytes(events.get(0).event())))
              : new Row(events, List.of(), batch.toByteArray()));
      from = to;
    }
  }

  /** The millisecond timestamp of an event's UUIDv7 id; -1 when the id is not one. */
  private static long uuidMillis(OutboxEvent e) {
    String id = e.id();
    if (id.length() != 36 || id.charAt(14) != '7') {
      return -1;
    }
    try {
      return EventBatch.millisOf(id);
    } catch (IllegalArgumentException e2) {
      return -1;
    }
  }

  private int insertRows(Connection con, List<Row> rows) throws SQLException {
    int n = rows.size();
    String[] ids = new String[n];
    String[] tenants = new String[n];
    String[] types = new String[n];
    String[] keys = new String[n];
    byte[][] compressedDocuments = compressed ? new byte[n][] : null;
    String[] jsonDocuments = compressed ? null : new String[n];
    long[] micros = new long[n];
    int[] counts = new int[n];
    String[] lastIds = new String[n];
    for (int i = 0; i < n; i++) {
      Row row = rows.get(i);
      OutboxEvent first = row.first();
      ids[i] = first.id();
      tenants[i] = first.tenantId();
      types[i] = first.type();
      keys[i] = first.partitionKey();
      if (!compressed) {
        jsonDocuments[i] = new String(row.json().get(0), StandardCharsets.UTF_8);
      } else if (row.compact() != null) {
        compressedDocuments[i] = CompressedJson.compress(row.compact());
      } else if (row.events().size() == 1) {
        compressedDocuments[i] = CompressedJson.compress(row.json().get(0));
      } else {
        List<EventBatch.Entry> entries = new ArrayList<>(row.events().size());
        for (int k = 0; k < row.events().size(); k++) {
          OutboxEvent e = row.events().get(k);
          entries.add(new EventBatch.Entry(e.id(), e.partitionKey(), row.json().get(k)));
        }
        compressedDocuments[i] = CompressedJson.compress(EventBatch.encode(entries));
      }
      // rounded to the microsecond, as PostgreSQL rounds a timestamp it is sent with nanoseconds
      micros[i] = ChronoUnit.MICROS.between(Instant.EPOCH, row.createdAt().plusNanos(500));
      counts[i] = row.events().size();
      lastIds[i] = row.lastId();
    }
    try (PreparedStatement ps =
        con.prepareStatement(compressed ? INSERT_COMPRESSED_EVENTS : INSERT_JSONB_EVENTS)) {
      ps.setArray(1, con.createArrayOf("text", ids));
      ps.setArray(2, con.createArrayOf("text", tenants));
      ps.setArray(3, con.createArrayOf("text", types));
      ps.setArray(4, con.createArrayOf("text", keys));
      if (compressed) {
        ps.setObject(5, compressedDocuments); // bytea[], sent in binary
      } else {
        ps.setArray(5, con.createArrayOf("text", jsonDocuments));
      }
      ps.setObject(6, micros); // int8[]
      ps.setObject(7, counts); // int4[]
      ps.setArray(8, con.createArrayOf("text", lastIds));
      return ps.executeUpdate();
    }
  }

  @Override
  public List<StoredTrace> findTraces(
      String tenantId, TraceFilter filter, String beforeId, int limit) {
    // only the filters given, each a plain predicate: a catch-all "(:x is null or col = :x)"
    // makes a generic plan that no index serves
    StringBuilder sql =
        new StringBuilder(
            """
            select id, tenant_id, decision_id, request_id, customer_id, flow_key, flow_version,
                   created_at, body::text as body, body_compressed
              from decision_traces
             where tenant_id = :tenantId
            """);
    Map<String, Object> params = new java.util.HashMap<>();
    params.put("tenantId", tenantId);
    filter(sql, params, "customer_id = :customerId", "customerId", filter.customerId());
    filter(sql, params, "request_id = :requestId", "requestId", filter.requestId());
    filter(sql, params, "decision_id = :decisionId", "decisionId", filter.decisionId());
    filter(sql, params, "flow_key = :flowKey", "flowKey", filter.flowKey());
    filter(
        sql,
        params,
        "created_at >= :from",
        "from",
        filter.from() == null ? null : java.sql.Timestamp.from(filter.from()));
    filter(
        sql,
        params,
        "created_at < :to",
        "to",
        filter.to() == null ? null : java.sql.Timestamp.from(filter.to()));
    filter(sql, params, "id < :before", "before", beforeId);
    sql.append(" order by id desc limit :limit");
    params.put("limit", limit);
    return jdbc.sql(sql.toString()).params(params).query(this::trace).list();
  }

  /**
   * {@inheritDoc}
   *
   * <p>The event is in the row of its id, or in a batch row whose first id is at most {@link
   * EventBatch#MAX_SPAN_MILLIS} older and whose last id is not less: a range of the primary key.
   */
  @Override
  public Optional<RecordedDecision> findDecision(String tenantId, String decisionId) {
    // the row of its own id first; then batch rows, newest first
    List<Map<String, Object>> candidates =
        jdbc.sql(
                """
                select id, event::text as event, event_compressed from outbox_events
                 where tenant_id = :tenantId and type = 'decision.made.v1'
                   and id >= :lowest and id <= :id and (id = :id or last_id >= :id)
                 order by id = :id desc, id desc
                """)
            .param("id", decisionId)
            .param("lowest", EventBatch.lowestRowId(decisionId))
            .param("tenantId", tenantId)
            .query()
            .listOfRows();
    RuntimeException unreadable = null;
    for (Map<String, Object> row : candidates) {
      try {
        byte[] document =
            CompressedJson.read((byte[]) row.get("event_compressed"), (String) row.get("event"));
        for (EventBatch.Entry e :
            EventBatch.entries(document, (String) row.get("id"), null, json)) {
          if (e.id().equals(decisionId)) {
            return Optional.of(RecordedDecision.fromEventData(tenantId, eventData(e.json())));
          }
        }
      } catch (RuntimeException e) {
        // a row this node cannot read (another codec, corrupt) need not be the one that holds it
        unreadable = unreadable == null ? e : unreadable;
      }
    }
    if (unreadable != null) {
      throw unreadable; // the decision may be in the row that could not be read
    }
    return Optional.empty();
  }

  private static void filter(
      StringBuilder sql, Map<String, Object> params, String predicate, String name, Object value) {
    if (value != null) {
      sql.append(" and ").append(predicate);
      params.put(name, value);
    }
  }

  @Override
  public Optional<StoredTrace> findTrace(String tenantId, String id) {
    return jdbc.sql(
            """
            select id, tenant_id, decision_id, request_id, customer_id, flow_key, flow_version,
                   created_at, body::text as body, body_compressed
              from decision_traces where tenant_id = :tenantId and id = :id
            """)
        .param("tenantId", tenantId)
        .param("id", id)
        .query(this::trace)
        .optional();
  }

  @Override
  public int deleteTracesBefore(Instant cutoff, int limit) {
    return jdbc.sql(
            """
            delete from decision_traces where id in (
              select id from decision_traces where created_at < :cutoff limit :limit)
            """)
        .param("cutoff", Timestamp.from(cutoff))
        .param("limit", limit)
        .update();
  }

  private StoredTrace trace(ResultSet rs, int row) throws SQLException {
    return new StoredTrace(
        rs.getString("id"),
        rs.getString("tenant_id"),
        rs.getString("decision_id"),
        rs.getString("request_id"),
        rs.getString("customer_id"),
        rs.getString("flow_key"),
        rs.getInt("flow_version"),
        rs.getTimestamp("created_at").toInstant(),
        body(rs));
  }

  /** The data of a stored event's JSON. */
  private Map<String, Object> eventData(byte[] event) {
    // an event without a data object reads as an empty one, which names no decision
    Object data = json.readValue(event, MAP).get("data");
    if (data instanceof Map<?, ?>) {
      @SuppressWarnings("unchecked")
      Map<String, Object> map = (Map<String, Object>) data;
      return map;
    }
    return Map.of();
  }

  /** A trace's body: compressed by the server since V9, else jsonb. */
  private Map<String, Object> body(ResultSet rs) throws SQLException {
    return json.readValue(
        CompressedJson.read(rs.getBytes("body_compressed"), rs.getString("body")), MAP);
  }
}
