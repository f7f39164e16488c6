package dev.arbiter.audit.jdbc;

import dev.arbiter.audit.AuditEntry;
import dev.arbiter.audit.AuditLog;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** {@link AuditLog} on PostgreSQL. */
public class JdbcAuditLog implements AuditLog {
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private final JdbcClient jdbc;
  private final JsonMapper json;

  public JdbcAuditLog(JdbcClient jdbc, JsonMapper json) {
    this.jdbc = jdbc;
    this.json = json;
  }

  @Override
  public void record(String tenantId, AuditEntry e) {
    jdbc.sql(
            """
            insert into audit_log (id, tenant_id, at, actor, action, kind, key, resource_id,
                                   request_id, before, after)
            values (:id, :tenantId, :at, :actor, :action, :kind, :key, :resourceId, :requestId,
                    cast(:before as jsonb), cast(:after as jsonb))
            """)
        .param("id", e.id())
        .param("tenantId", tenantId)
        .param("at", Timestamp.from(e.at()))
        .param("actor", e.actor())
        .param("action", e.action())
        .param("kind", e.kind())
        .param("key", e.key())
        .param("resourceId", e.resourceId())
        .param("requestId", e.requestId())
        .param("before", e.before() == null ? null : json.writeValueAsString(e.before()))
        .param("after", e.after() == null ? null : json.writeValueAsString(e.after()))
        .update();
  }

  @Override
  public List<AuditEntry> list(
      String tenantId, String kind, String key, String actor, String beforeId, int limit) {
    return jdbc.sql(
            """
            select id, at, actor, action, kind, key, resource_id, request_id,
                   before::text as before, after::text as after
              from audit_log
             where tenant_id = :tenantId
               and (cast(:kind as text) is null or kind = :kind)
               and (cast(:key as text) is null or key = :key)
               and (cast(:actor as text) is null or actor = :actor)
               and (cast(:before as text) is null or id < :before)
             order by id desc
             limit :limit
            """)
        .param("tenantId", tenantId)
        .param("kind", kind)
        .param("key", key)
        .param("actor", actor)
        .param("before", beforeId)
        .param("limit", limit)
        .query(this::map)
        .list();
  }

  private AuditEntry map(ResultSet rs, int row) throws SQLException {
    String before = rs.getString("before");
    String after = rs.getString("after");
    return new AuditEntry(
        rs.getString("id"),
        rs.getTimestamp("at").toInstant(),
        rs.getString("actor"),
        rs.getString("action"),
        rs.getString("kind"),
        rs.getString("key"),
        rs.getString("resource_id"),
        rs.getString("request_id"),
        before == null ? null : json.readValue(before, MAP),
        after == null ? null : json.readValue(after, MAP));
  }
}
