package dev.arbiter.respond.jdbc;

import dev.arbiter.engine.scoring.OutcomeClass;
import dev.arbiter.respond.OutcomeType;
import dev.arbiter.respond.OutcomeTypeRepository;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;

/** {@link OutcomeTypeRepository} on PostgreSQL. */
public class JdbcOutcomeTypeRepository implements OutcomeTypeRepository {
  private static final String COLUMNS =
      "id, key, name, description, classification, row_version, created_at, updated_at";
  private final JdbcClient jdbc;

  public JdbcOutcomeTypeRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public List<OutcomeType> list(String tenantId) {
    return jdbc.sql(
            "select " + COLUMNS + " from outcome_types where tenant_id = :tenantId order by key")
        .param("tenantId", tenantId)
        .query(JdbcOutcomeTypeRepository::type)
        .list();
  }

  @Override
  public Optional<OutcomeType> find(String tenantId, String key) {
    return jdbc.sql(
            "select "
                + COLUMNS
                + " from outcome_types where tenant_id = :tenantId and key = :key for update")
        .param("tenantId", tenantId)
        .param("key", key)
        .query(JdbcOutcomeTypeRepository::type)
        .optional();
  }

  @Override
  public void insert(String tenantId, OutcomeType t) {
    jdbc.sql(
            """
            insert into outcome_types (id, tenant_id, key, name, description, classification,
                                       row_version, created_at, updated_at)
            values (:id, :tenantId, :key, :name, :description, :classification, :rowVersion,
                    :createdAt, :updatedAt)
            """)
        .param("id", t.id())
        .param("tenantId", tenantId)
        .param("key", t.key())
        .param("name", t.name())
        .param("description", t.description())
        .param("classification", t.classification().name().toLowerCase(Locale.ROOT))
        .param("rowVersion", t.rowVersion())
        .param("createdAt", Timestamp.from(t.createdAt()))
        .param("updatedAt", Timestamp.from(t.updatedAt()))
        .update();
  }

  @Override
  public boolean update(String tenantId, OutcomeType t, long expectedRowVersion) {
    return jdbc.sql(
                """
                update outcome_types
                   set name = :name, description = :description,
                       classification = :classification, row_version = :rowVersion,
                       updated_at = :updatedAt
                 where tenant_id = :tenantId and key = :key and row_version = :expected
                """)
            .param("name", t.name())
            .param("description", t.description())
            .param("classification", t.classification().name().toLowerCase(Locale.ROOT))
            .param("rowVersion", t.rowVersion())
            .param("updatedAt", Timestamp.from(t.updatedAt()))
            .param("tenantId", tenantId)
            .param("key", t.key())
            .param("expected", expectedRowVersion)
            .update()
        == 1;
  }

  @Override
  public boolean delete(String tenantId, String key) {
    return jdbc.sql("delete from outcome_types where tenant_id = :tenantId and key = :key")
            .param("tenantId", tenantId)
            .param("key", key)
            .update()
        == 1;
  }

  @Override
  public int count(String tenantId) {
    return jdbc.sql("select count(*) from outcome_types where tenant_id = :tenantId")
        .param("tenantId", tenantId)
        .query(Integer.class)
        .single();
  }

  @Override
  public List<String> policiesUsing(String tenantId, String outcomeKey) {
    return jdbc.sql(
            """
            select key from catalog_resources
             where tenant_id = :tenantId and kind = 'contact_policy'
               and body -> 'config' ->> 'outcome' = :outcome
             order by key
            """)
        .param("tenantId", tenantId)
        .param("outcome", outcomeKey)
        .query(String.class)
        .list();
  }

  private static OutcomeType type(ResultSet rs, int n) throws SQLException {
    OutcomeClass c = OutcomeClass.valueOf(rs.getString("classification").toUpperCase(Locale.ROOT));
    return new OutcomeType(
        rs.getString("id"),
        rs.getString("key"),
        rs.getString("name"),
        rs.getString("description"),
        c,
        false,
        c != OutcomeClass.NEUTRAL,
        rs.getLong("row_version"),
        rs.getTimestamp("created_at").toInstant(),
        rs.getTimestamp("updated_at").toInstant());
  }
}
