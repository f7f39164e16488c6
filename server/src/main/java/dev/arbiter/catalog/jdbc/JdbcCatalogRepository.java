package dev.arbiter.catalog.jdbc;

import dev.arbiter.catalog.CatalogRepository;
import dev.arbiter.catalog.CatalogResource;
import dev.arbiter.catalog.PublishedFlow;
import dev.arbiter.catalog.ResourceKind;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** {@link CatalogRepository} on PostgreSQL; bodies are {@code jsonb}. */
public class JdbcCatalogRepository implements CatalogRepository {
  /** The channel every node LISTENs on; the payload is {@code tenantId:catalogVersion}. */
  public static final String CHANNEL = "arbiter_catalog";

  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private static final String SELECT =
      """
      select r.id, r.kind, r.key, r.body::text as body, r.row_version, r.created_at, r.updated_at,
             (select max(v.version) from flow_versions v
               where v.tenant_id = r.tenant_id and v.flow_key = r.key and r.kind = 'flow') as published
      from catalog_resources r
      """;

  private final JdbcClient jdbc;
  private final JsonMapper json;

  public JdbcCatalogRepository(JdbcClient jdbc, JsonMapper json) {
    this.jdbc = jdbc;
    this.json = json;
  }

  @Override
  public long lockCatalog(String tenantId) {
    return jdbc.sql("select catalog_version from tenants where id = :id for update")
        .param("id", tenantId)
        .query(Long.class)
        .single();
  }

  @Override
  public long bumpCatalogVersion(String tenantId) {
    long version =
        jdbc.sql(
                "update tenants set catalog_version = catalog_version + 1 where id = :id"
                    + " returning catalog_version")
            .param("id", tenantId)
            .query(Long.class)
            .single();
    // Delivered to every listening node when this transaction commits, and only then.
    jdbc.sql("select pg_notify(:channel, :payload)")
        .param("channel", CHANNEL)
        .param("payload", tenantId + ":" + version)
        .query()
        .singleRow();
    return version;
  }

  @Override
  public long catalogVersion(String tenantId) {
    return jdbc.sql("select catalog_version from tenants where id = :id")
        .param("id", tenantId)
        .query(Long.class)
        .single();
  }

  @Override
  public List<CatalogResource> all(String tenantId) {
    return jdbc.sql(SELECT + " where r.tenant_id = :tenantId order by r.kind, r.key")
        .param("tenantId", tenantId)
        .query(this::resource)
        .list();
  }

  @Override
  public Optional<CatalogResource> find(String tenantId, ResourceKind kind, String key) {
    return jdbc.sql(SELECT + " where r.tenant_id = :tenantId and r.kind = :kind and r.key = :key")
        .param("tenantId", tenantId)
        .param("kind", kind.stored())
        .param("key", key)
        .query(this::resource)
        .optional();
  }

  @Override
  public List<CatalogResource> list(
      String tenantId, ResourceKind kind, String afterKey, int limit) {
    return jdbc.sql(
            SELECT
                + " where r.tenant_id = :tenantId and r.kind = :kind"
                + " and (cast(:after as text) is null or r.key > :after)"
                + " order by r.key limit :limit")
        .param("tenantId", tenantId)
        .param("kind", kind.stored())
        .param("after", afterKey)
        .param("limit", limit)
        .query(this::resource)
        .list();
  }

  @Override
  public void insert(String tenantId, CatalogResource r, String actor) {
    if (r.kind() == ResourceKind.MODEL) {
      // Rows an outcome wrote under the key while a former model of it was being deleted, or
      // left by a version that kept evidence on delete: a new model starts from its prior
      forgetModelEvidence(tenantId, r.key(), null);
    }
    jdbc.sql(
            """
            insert into catalog_resources
              (id, tenant_id, kind, key, body, row_version, created_at, updated_at, created_by, updated_by)
            values (:id, :tenantId, :kind, :key, cast(:body as jsonb), :rowVersion, :createdAt,
                    :updatedAt, :actor, :actor)
            """)
        .param("id", r.id())
        .param("tenantId", tenantId)
        .param("kind", r.kind().stored())
        .param("key", r.key())
        .param("body", json.writeValueAsString(r.body()))
        .param("rowVersion", r.rowVersion())
        .param("createdAt", Timestamp.from(r.createdAt()))
        .param("updatedAt", Timestamp.from(r.updatedAt()))
        .param("actor", actor)
        .update();
  }

  @Override
  public boolean update(
      String tenantId, CatalogResource r, long expectedRowVersion, String actor, Instant at) {
    return jdbc.sql(
                """
                update catalog_resources
                   set body = cast(:body as jsonb), row_version = row_version + 1,
                       updated_at = :at, updated_by = :actor
                 where tenant_id = :tenantId and kind = :kind and key = :key
                   and row_version = :expected
                """)
            .param("body", json.writeValueAsString(r.body()))
            .param("at", Timestamp.from(at))
            .param("actor", actor)
            .param("tenantId", tenantId)
            .param("kind", r.kind().stored())
            .param("key", r.key())
            .param("expected", expectedRowVersion)
            .update()
        == 1;
  }

  @Override
  public void delete(String tenantId, ResourceKind kind, String key) {
    if (kind == ResourceKind.FLOW) {
      // A deleted flow takes its published versions with it: a flow later created under the same
      // key starts at version 1 and never inherits a route (the audit log keeps the history).
      jdbc.sql("delete from flow_versions where tenant_id = :tenantId and flow_key = :key")
          .param("tenantId", tenantId)
          .param("key", key)
          .update();
    }
    if (kind == ResourceKind.MODEL) {
      // Evidence is keyed by the model's key: a model later created under it, of any type, must
      // not start from what this one learned
      forgetModelEvidence(tenantId, key, null);
    }
    jdbc.sql(
            "delete from catalog_resources where tenant_id = :tenantId and kind = :kind and key = :key")
        .param("tenantId", tenantId)
        .param("kind", kind.stored())
        .param("key", key)
        .update();
  }

  @Override
  public void forgetModelEvidence(
      String tenantId, String modelKey, java.util.Set<String> predictors) {
    // What is forgotten, and with which catalog version: an outcome of a decision made with an
    // older catalog is not folded in again. Called in a catalog write, under the tenant's catalog
    // lock, which then bumps the version by one.
    jdbc.sql(
            """
            insert into model_evidence_resets (tenant_id, model_key, predictor, catalog_version)
            select :tenantId, :key, p,
                   (select catalog_version + 1 from tenants where id = :tenantId)
              from unnest(cast(:predictors as text[])) as p
            on conflict (tenant_id, model_key, predictor) do update
               set catalog_version = excluded.catalog_version, reset_at = now()
            """)
        .param("tenantId", tenantId)
        .param("key", modelKey)
        .param(
            "predictors",
            predictors == null ? new String[] {""} : predictors.toArray(String[]::new))
        .update();
    if (predictors == null) {
      jdbc.sql("delete from model_beta_counts where tenant_id = :tenantId and model_key = :key")
          .param("tenantId", tenantId)
          .param("key", modelKey)
          .update();
    }
    if (predictors != null && predictors.isEmpty()) {
      return;
    }
    jdbc.sql(
            """
            delete from model_bin_counts
             where tenant_id = :tenantId and model_key = :key
               and (cast(:predictors as text[]) is null or predictor = any(:predictors))
            """)
        .param("tenantId", tenantId)
        .param("key", modelKey)
        .param("predictors", predictors == null ? null : predictors.toArray(String[]::new))
        .update();
  }

  @Override
  public List<PublishedFlow> latestPublishedFlows(String tenantId) {
    return jdbc.sql(
            """
            select distinct on (v.flow_key) v.flow_id, v.flow_key, v.version, v.body::text as body,
                   v.published_at, v.published_by
              from flow_versions v
              join catalog_resources r
                on r.tenant_id = v.tenant_id and r.kind = 'flow' and r.key = v.flow_key
             where v.tenant_id = :tenantId
             order by v.flow_key, v.version desc
            """)
        .param("tenantId", tenantId)
        .query(this::published)
        .list();
  }

  @Override
  public List<PublishedFlow> flowVersions(
      String tenantId, String flowKey, Integer before, int limit) {
    return jdbc.sql(
            "select flow_id, flow_key, version, body::text as body, published_at, published_by"
                + " from flow_versions where tenant_id = :tenantId and flow_key = :key"
                + " and (cast(:before as integer) is null or version < :before)"
                + " order by version desc limit :limit")
        .param("tenantId", tenantId)
        .param("key", flowKey)
        .param("before", before)
        .param("limit", limit)
        .query(this::published)
        .list();
  }

  @Override
  public Optional<PublishedFlow> flowVersion(String tenantId, String flowKey, int version) {
    return jdbc.sql(
            "select flow_id, flow_key, version, body::text as body, published_at, published_by"
                + " from flow_versions where tenant_id = :tenantId and flow_key = :key"
                + " and version = :version")
        .param("tenantId", tenantId)
        .param("key", flowKey)
        .param("version", version)
        .query(this::published)
        .optional();
  }

  @Override
  public void insertFlowVersion(String tenantId, PublishedFlow f) {
    jdbc.sql(
            """
            insert into flow_versions (tenant_id, flow_id, flow_key, version, body, published_at, published_by)
            values (:tenantId, :flowId, :flowKey, :version, cast(:body as jsonb), :at, :by)
            """)
        .param("tenantId", tenantId)
        .param("flowId", f.flowId())
        .param("flowKey", f.flowKey())
        .param("version", f.version())
        .param("body", json.writeValueAsString(f.body()))
        .param("at", Timestamp.from(f.publishedAt()))
        .param("by", f.publishedBy())
        .update();
  }

  private CatalogResource resource(ResultSet rs, int row) throws SQLException {
    Integer published = rs.getObject("published", Integer.class);
    return new CatalogResource(
        rs.getString("id"),
        ResourceKind.fromStored(rs.getString("kind")),
        rs.getString("key"),
        json.readValue(rs.getString("body"), MAP),
        rs.getLong("row_version"),
        rs.getTimestamp("created_at").toInstant(),
        rs.getTimestamp("updated_at").toInstant(),
        published);
  }

  private PublishedFlow published(ResultSet rs, int row) throws SQLException {
    return new PublishedFlow(
        rs.getString("flow_id"),
        rs.getString("flow_key"),
        rs.getInt("version"),
        json.readValue(rs.getString("body"), MAP),
        rs.getTimestamp("published_at").toInstant(),
        rs.getString("published_by"));
  }
}
