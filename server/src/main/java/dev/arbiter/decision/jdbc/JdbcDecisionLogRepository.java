package dev.arbiter.decision.jdbc;

import dev.arbiter.db.CompressedJson;
import dev.arbiter.db.DocumentStorage;
import dev.arbiter.decision.DecisionLogRepository;
import dev.arbiter.decision.OutboxEvent;
import dev.arbiter.decision.RecordedDecision;
import dev.arbiter.decision.StoredTrace;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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

  /** A repository writing the default format, {@link DocumentStorage#COMPRESSED}. */
  public JdbcDecisionLogRepository(
      JdbcClient jdbc, JdbcTemplate batch, JsonMapper json, Runnable eventsWritten) {
    this(jdbc, batch, json, DocumentStorage.COMPRESSED, eventsWritten);
  }

  /**
   * @param storage the format traces and events are written in
   * @param eventsWritten called after events were inserted and committed (pokes the outbox
   *     publisher's notifier)
   */
  public JdbcDecisionLogRepository(
      JdbcClient jdbc,
      JdbcTemplate batch,
      JsonMapper json,
      DocumentStorage storage,
      Runnable eventsWritten) {
    this.jdbc = jdbc;
    this.batch = batch;
    this.json = json;
    this.compressed = storage == DocumentStorage.COMPRESSED;
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
   * Events per statement. A batch is inserted as one {@code insert … select from unnest(arrays)}
   * rather than a JDBC batch of one statement per event: PostgreSQL then plans and starts one
   * statement per batch, which cut its CPU per event row by a fifth (25 to 20.5 µs on the benchmark
   * machine, bench/RESULTS.md).
   */
  public static final int EVENTS_PER_STATEMENT = 500;

  /**
   * Event inserts, by the column the event goes to, the expression that fills it from the array's
   * element {@code e.document}, and that array's type.
   */
  private static final String INSERT_EVENTS =
      """
      insert into outbox_events (id, tenant_id, type, partition_key, %s, status, attempts,
                                 next_attempt_at, created_at)
      select e.id, e.tenant_id, e.type, e.partition_key, %s, 'pending', 0,
             timestamptz 'epoch' + e.micros * interval '1 microsecond',
             timestamptz 'epoch' + e.micros * interval '1 microsecond'
        from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::%s[], ?::bigint[])
             as e(id, tenant_id, type, partition_key, document, micros)
      on conflict (id) do nothing
      """;

  private static final String INSERT_COMPRESSED_EVENTS =
      INSERT_EVENTS.formatted("event_compressed", "e.document", "bytea");
  private static final String INSERT_JSONB_EVENTS =
      INSERT_EVENTS.formatted("event", "cast(e.document as jsonb)", "text");

  @Override
  public void insertEvents(List<OutboxEvent> events) {
    for (int from = 0; from < events.size(); from += EVENTS_PER_STATEMENT) {
      List<OutboxEvent> chunk =
          events.subList(from, Math.min(events.size(), from + EVENTS_PER_STATEMENT));
      batch.execute((ConnectionCallback<Integer>) con -> insertEvents(con, chunk));
    }
    eventsWritten.run();
  }

  private int insertEvents(Connection con, List<OutboxEvent> events) throws SQLException {
    int n = events.size();
    String[] ids = new String[n];
    String[] tenants = new String[n];
    String[] types = new String[n];
    String[] keys = new String[n];
    byte[][] compressedDocuments = compressed ? new byte[n][] : null;
    String[] jsonDocuments = compressed ? null : new String[n];
    long[] micros = new long[n];
    for (int i = 0; i < n; i++) {
      OutboxEvent e = events.get(i);
      ids[i] = e.id();
      tenants[i] = e.tenantId();
      types[i] = e.type();
      keys[i] = e.partitionKey();
      if (compressed) {
        compressedDocuments[i] = CompressedJson.compress(json.writeValueAsBytes(e.event()));
      } else {
        jsonDocuments[i] = json.writeValueAsString(e.event());
      }
      // rounded to the microsecond, as PostgreSQL rounds a timestamp it is sent with nanoseconds
      micros[i] = ChronoUnit.MICROS.between(Instant.EPOCH, e.createdAt().plusNanos(500));
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
      return ps.executeUpdate();
    }
  }

  @Override
  public List<StoredTrace> findTraces(
      String tenantId,
      String customerId,
      String requestId,
      String decisionId,
      String beforeId,
      int limit) {
    return jdbc.sql(
            """
            select id, tenant_id, decision_id, request_id, customer_id, flow_key, flow_version,
                   created_at, body::text as body, body_compressed
              from decision_traces
             where tenant_id = :tenantId
               and (cast(:customerId as text) is null or customer_id = :customerId)
               and (cast(:requestId as text) is null or request_id = :requestId)
               and (cast(:decisionId as text) is null or decision_id = :decisionId)
               and (cast(:before as text) is null or id < :before)
             order by id desc
             limit :limit
            """)
        .param("tenantId", tenantId)
        .param("customerId", customerId)
        .param("requestId", requestId)
        .param("decisionId", decisionId)
        .param("before", beforeId)
        .param("limit", limit)
        .query(this::trace)
        .list();
  }

  @Override
  public Optional<RecordedDecision> findDecision(String tenantId, String decisionId) {
    return jdbc.sql(
            """
            select event::text as event, event_compressed from outbox_events
             where id = :id and tenant_id = :tenantId and type = 'decision.made.v1'
            """)
        .param("id", decisionId)
        .param("tenantId", tenantId)
        .query((rs, n) -> eventData(rs))
        .optional()
        .map(data -> RecordedDecision.fromEventData(tenantId, data));
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

  /** The data of a stored event (compressed by the server since V10, else jsonb). */
  private Map<String, Object> eventData(ResultSet rs) throws SQLException {
    byte[] event = CompressedJson.read(rs.getBytes("event_compressed"), rs.getString("event"));
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
