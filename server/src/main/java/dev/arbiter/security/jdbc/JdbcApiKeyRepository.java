package dev.arbiter.security.jdbc;

import dev.arbiter.security.ApiKey;
import dev.arbiter.security.ApiKeyRepository;
import dev.arbiter.security.Role;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;

/** {@link ApiKeyRepository} on PostgreSQL. */
public class JdbcApiKeyRepository implements ApiKeyRepository {
  private static final String SELECT =
      """
      select k.id, k.tenant_id, t.key as tenant_key, k.name, k.role, k.key_prefix, k.created_by,
             k.created_at, k.last_used_at, k.revoked_at
      from api_keys k join tenants t on t.id = k.tenant_id
      """;

  /**
   * Where a revocation is announced, with the key's id; every node's listener (ServerWiring's
   * {@code apiKeyRevocationListener}) drops the key from its cache.
   */
  public static final String CHANNEL = "arbiter_api_keys";

  private final JdbcClient jdbc;

  public JdbcApiKeyRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public void insert(ApiKey key, String keyHash) {
    jdbc.sql(
            """
            insert into api_keys (id, tenant_id, name, role, key_hash, key_prefix, created_by, created_at)
            values (:id, :tenantId, :name, :role, :hash, :prefix, :createdBy, :createdAt)
            """)
        .param("id", key.id())
        .param("tenantId", key.tenantId())
        .param("name", key.name())
        .param("role", key.role().wireName())
        .param("hash", keyHash)
        .param("prefix", key.keyPrefix())
        .param("createdBy", key.createdBy())
        .param("createdAt", Timestamp.from(key.createdAt()))
        .update();
  }

  @Override
  public Optional<ApiKey> findByHash(String keyHash) {
    return jdbc.sql(SELECT + " where k.key_hash = :hash")
        .param("hash", keyHash)
        .query(JdbcApiKeyRepository::map)
        .optional();
  }

  @Override
  public List<ApiKey> list(String tenantId, String afterId, int limit) {
    return jdbc.sql(
            SELECT
                + " where k.tenant_id = :tenantId and (cast(:after as text) is null or k.id > :after)"
                + " order by k.id limit :limit")
        .param("tenantId", tenantId)
        .param("after", afterId)
        .param("limit", limit)
        .query(JdbcApiKeyRepository::map)
        .list();
  }

  @Override
  public boolean revoke(String tenantId, String id, Instant at) {
    // every node drops the key from its cache when this commits (NOTIFY is sent at commit)
    return jdbc.sql(
                """
                with revoked as (
                  update api_keys set revoked_at = :at
                   where tenant_id = :tenantId and id = :id and revoked_at is null
                  returning id)
                select count(pg_notify('%s', id)) from revoked
                """
                    .formatted(CHANNEL))
            .param("at", Timestamp.from(at))
            .param("tenantId", tenantId)
            .param("id", id)
            .query(Long.class)
            .single()
        == 1;
  }

  @Override
  public void touch(Collection<String> ids, Instant at) {
    if (ids.isEmpty()) {
      return;
    }
    jdbc.sql("update api_keys set last_used_at = :at where id = any(:ids)")
        .param("at", Timestamp.from(at))
        .param("ids", ids.toArray(String[]::new))
        .update();
  }

  private static ApiKey map(ResultSet rs, int row) throws SQLException {
    Timestamp lastUsed = rs.getTimestamp("last_used_at");
    Timestamp revoked = rs.getTimestamp("revoked_at");
    return new ApiKey(
        rs.getString("id"),
        rs.getString("tenant_id"),
        rs.getString("tenant_key"),
        rs.getString("name"),
        Role.fromString(rs.getString("role")),
        rs.getString("key_prefix"),
        rs.getString("created_by"),
        rs.getTimestamp("created_at").toInstant(),
        lastUsed == null ? null : lastUsed.toInstant(),
        revoked == null ? null : revoked.toInstant());
  }
}
