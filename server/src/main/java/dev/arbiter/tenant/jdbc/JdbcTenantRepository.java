package dev.arbiter.tenant.jdbc;

import dev.arbiter.tenant.Tenant;
import dev.arbiter.tenant.TenantRepository;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;

/** {@link TenantRepository} on PostgreSQL. */
public class JdbcTenantRepository implements TenantRepository {
  private static final String COLUMNS = "id, key, name, row_version, created_at, updated_at";
  private final JdbcClient jdbc;

  public JdbcTenantRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public boolean insert(Tenant t) {
    return jdbc.sql(
                """
                insert into tenants (id, key, name, row_version, created_at, updated_at)
                values (:id, :key, :name, :rowVersion, :createdAt, :updatedAt)
                on conflict (key) do nothing
                """)
            .param("id", t.id())
            .param("key", t.key())
            .param("name", t.name())
            .param("rowVersion", t.rowVersion())
            .param("createdAt", Timestamp.from(t.createdAt()))
            .param("updatedAt", Timestamp.from(t.updatedAt()))
            .update()
        == 1;
  }

  @Override
  public Optional<Tenant> findByKey(String key) {
    return jdbc.sql("select " + COLUMNS + " from tenants where key = :key")
        .param("key", key)
        .query(JdbcTenantRepository::map)
        .optional();
  }

  @Override
  public Optional<Tenant> findById(String id) {
    return jdbc.sql("select " + COLUMNS + " from tenants where id = :id")
        .param("id", id)
        .query(JdbcTenantRepository::map)
        .optional();
  }

  @Override
  public List<Tenant> list(String afterId, int limit) {
    return jdbc.sql(
            "select "
                + COLUMNS
                + " from tenants where (cast(:after as text) is null or id > :after)"
                + " order by id limit :limit")
        .param("after", afterId)
        .param("limit", limit)
        .query(JdbcTenantRepository::map)
        .list();
  }

  private static Tenant map(ResultSet rs, int row) throws SQLException {
    return new Tenant(
        rs.getString("id"),
        rs.getString("key"),
        rs.getString("name"),
        rs.getLong("row_version"),
        rs.getTimestamp("created_at").toInstant(),
        rs.getTimestamp("updated_at").toInstant());
  }
}
