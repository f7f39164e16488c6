package dev.arbiter.tenant.jdbc;

import dev.arbiter.tenant.TenantSettings;
import dev.arbiter.tenant.TenantSettingsRepository;
import java.sql.Timestamp;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** {@link TenantSettingsRepository} on PostgreSQL. */
public class JdbcTenantSettingsRepository implements TenantSettingsRepository {
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private final JdbcClient jdbc;
  private final JsonMapper json;

  public JdbcTenantSettingsRepository(JdbcClient jdbc, JsonMapper json) {
    this.jdbc = jdbc;
    this.json = json;
  }

  @Override
  public Optional<TenantSettings> find(String tenantId) {
    return jdbc.sql(
            "select body::text as body, row_version, updated_at from tenant_settings"
                + " where tenant_id = :tenantId")
        .param("tenantId", tenantId)
        .query(
            (rs, n) -> {
              Map<String, Object> b = json.readValue(rs.getString("body"), MAP);
              return new TenantSettings(
                  Boolean.TRUE.equals(b.get("traceEnabled")),
                  ((Number) b.get("traceSampleRate")).doubleValue(),
                  (String) b.get("timeZone"),
                  rs.getLong("row_version"),
                  rs.getTimestamp("updated_at").toInstant());
            })
        .optional();
  }

  @Override
  public boolean save(String tenantId, TenantSettings s, long expected, String actor) {
    String body = json.writeValueAsString(s.body());
    if (expected == 0) {
      return jdbc.sql(
                  """
                  insert into tenant_settings (tenant_id, body, row_version, updated_at, updated_by)
                  values (:tenantId, cast(:body as jsonb), 1, :at, :actor)
                  on conflict (tenant_id) do nothing
                  """)
              .param("tenantId", tenantId)
              .param("body", body)
              .param("at", Timestamp.from(s.updatedAt()))
              .param("actor", actor)
              .update()
          == 1;
    }
    return jdbc.sql(
                """
                update tenant_settings set body = cast(:body as jsonb), row_version = row_version + 1,
                       updated_at = :at, updated_by = :actor
                 where tenant_id = :tenantId and row_version = :expected
                """)
            .param("tenantId", tenantId)
            .param("body", body)
            .param("at", Timestamp.from(s.updatedAt()))
            .param("actor", actor)
            .param("expected", expected)
            .update()
        == 1;
  }
}
