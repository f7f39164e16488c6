package dev.arbiter.respond.jdbc;

import dev.arbiter.db.CompressedJson;
import dev.arbiter.db.DocumentStorage;
import dev.arbiter.respond.RespondRepository;
import dev.arbiter.scoring.jdbc.EvidenceSql;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.SqlArrayValue;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link RespondRepository} on PostgreSQL. The outcome's event is written compressed by the server,
 * or as jsonb when told to ({@link DocumentStorage}).
 */
public class JdbcRespondRepository implements RespondRepository {
  private final JdbcClient jdbc;
  private final JsonMapper json;
  private final boolean compressed;
  private final Runnable eventsWritten;

  /** A repository writing events in the default format, {@link DocumentStorage#COMPRESSED}. */
  public JdbcRespondRepository(JdbcClient jdbc, JsonMapper json, Runnable eventsWritten) {
    this(jdbc, json, DocumentStorage.COMPRESSED, eventsWritten);
  }

  /**
   * @param storage the format events are written in
   * @param eventsWritten called after a Respond's event committed (pokes the outbox publisher's
   *     notifier)
   */
  public JdbcRespondRepository(
      JdbcClient jdbc, JsonMapper json, DocumentStorage storage, Runnable eventsWritten) {
    this.jdbc = jdbc;
    this.json = json;
    this.compressed = storage == DocumentStorage.COMPRESSED;
    this.eventsWritten = eventsWritten;
  }

  @Override
  public Optional<StoredResponse> findResponse(String tenantId, String idempotencyKey) {
    return jdbc.sql(
            """
            select k.request_hash, i.id, i.tenant_id, i.customer_id, i.decision_id, i.offer_key,
                   i.category, i.channel, i.outcome, i.value, i.occurred_at, i.recorded_at,
                   i.idempotency_key
              from respond_idempotency k
              join interactions i on i.id = k.interaction_id and i.occurred_at = k.occurred_at
             where k.tenant_id = :tenantId and k.idempotency_key = :key
            """)
        .param("tenantId", tenantId)
        .param("key", idempotencyKey)
        .query(
            (rs, n) ->
                new StoredResponse(
                    rs.getString("request_hash"),
                    new Interaction(
                        rs.getString("id"),
                        rs.getString("tenant_id"),
                        rs.getString("customer_id"),
                        rs.getString("decision_id"),
                        rs.getString("offer_key"),
                        rs.getString("category"),
                        rs.getString("channel"),
                        rs.getString("outcome"),
                        rs.getBigDecimal("value"),
                        rs.getTimestamp("occurred_at").toInstant(),
                        rs.getTimestamp("recorded_at").toInstant(),
                        rs.getString("idempotency_key"))))
        .optional();
  }

  /**
   * One statement, so one round trip and one implicit transaction: the claim, then the other
   * inserts guarded by it ({@code where exists (select 1 from claim)}). PostgreSQL runs every
   * data-modifying {@code with} part even when nothing reads its output.
   */
  @Override
  public Written record(Write w) {
    Interaction i = w.interaction();
    String guard = "exists (select 1 from claim)";
    StringBuilder sql =
        new StringBuilder(
            """
            with claim as (
              insert into respond_idempotency (tenant_id, idempotency_key, request_hash,
                                               interaction_id, occurred_at, created_at)
              values (:tenantId, :key, :hash, :id, :occurredAt, :at)
              on conflict (tenant_id, idempotency_key) do nothing
              returning 1
            ), interaction as (
              insert into interactions (id, tenant_id, customer_id, decision_id, offer_key, category,
                                        channel, outcome, value, occurred_at, recorded_at,
                                        idempotency_key)
              select :id, :tenantId, :customerId, :decisionId, :offerKey, :category, :channel,
                     :outcome, :value, :occurredAt, :at, :key
               where exists (select 1 from claim)
            ), event as (
              insert into outbox_events (id, tenant_id, type, partition_key, event,
                                         event_compressed, status, attempts, next_attempt_at,
                                         created_at)
              select :id, :tenantId, :eventType, :partitionKey, cast(:event as jsonb),
                     cast(:eventCompressed as bytea), 'pending', 0, now(), :at
               where exists (select 1 from claim)
            ), charge as (
              insert into decision_charges (tenant_id, decision_id, offer_key, interaction_id,
                                            cost, charged_at)
              select :tenantId, :decisionId, :offerKey, :id, :cost, :at
               where exists (select 1 from claim) and cast(:cost as numeric) is not null
              on conflict (tenant_id, decision_id, offer_key) do nothing
              returning 1
            ), uncounted as (
              insert into uncounted_charges (tenant_id, decision_id, offer_key, cost, charged_at,
                                             catalog_version)
              select :tenantId, :decisionId, :offerKey, :cost, :at, :catalogVersion from charge
            )""");
    if (w.unshared()) {
      // only then: a node without Redis runs on a database migrated before V15 as well
      sql.append(
          """
          , unshared as (
            insert into unshared_interactions (tenant_id, interaction_id, occurred_at)
            select :tenantId, :id, :occurredAt where exists (select 1 from claim)
          )""");
    }
    Evidence e = w.evidence();
    boolean beta = e != null && !e.beta().isEmpty();
    boolean bins = e != null && !e.bins().isEmpty();
    if (beta) {
      sql.append(", beta as (")
          .append(EvidenceSql.betaUpsert(guard + " and " + notResetSince("''")))
          .append(")");
    }
    if (bins) {
      sql.append(", bins as (")
          .append(EvidenceSql.binUpsert(guard + " and " + notResetSince("t.predictor")))
          .append(")");
    }
    sql.append(
        "\nselect (select count(*) from claim) as claimed, (select count(*) from charge) as charged,"
            + (beta || bins ? notResetSince("''") : "false")
            + " as learned");
    JdbcClient.StatementSpec spec =
        jdbc.sql(sql.toString())
            .param("tenantId", i.tenantId())
            .param("key", w.idempotencyKey())
            .param("hash", w.requestHash())
            .param("id", i.id())
            .param("at", Timestamp.from(i.recordedAt()))
            .param("customerId", i.customerId())
            .param("decisionId", i.decisionId())
            .param("offerKey", i.offerKey())
            .param("category", i.category())
            .param("channel", i.channel())
            .param("outcome", i.outcome())
            .param("value", i.value(), Types.NUMERIC)
            .param("occurredAt", Timestamp.from(i.occurredAt()))
            .param("eventType", w.event().type())
            .param("partitionKey", w.event().partitionKey())
            .param(
                "event",
                compressed ? null : json.writeValueAsString(w.event().event()),
                Types.VARCHAR)
            .param(
                "eventCompressed",
                compressed
                    ? CompressedJson.compress(json.writeValueAsBytes(w.event().event()))
                    : null,
                Types.BINARY)
            .param("cost", w.cost(), Types.NUMERIC)
            .param("catalogVersion", w.catalogVersion());
    if (beta || bins) {
      spec =
          spec.param("modelKey", e.modelKey()).param("decisionCatalogVersion", e.catalogVersion());
    }
    if (beta) {
      spec = EvidenceSql.bindBeta(spec, e.beta());
    }
    if (bins) {
      spec = EvidenceSql.bindBins(spec, e.bins());
    }
    Written written =
        spec.query(
                (rs, n) ->
                    new Written(
                        rs.getLong("claimed") == 1,
                        rs.getLong("charged") == 1,
                        rs.getBoolean("learned")))
            .single();
    if (written.claimed()) {
      eventsWritten.run();
    }
    return written;
  }

  /**
   * No reset of the model's evidence, nor of {@code predictor}'s ({@code ''}: the model's alone),
   * in a catalog version newer than the decision's (V17, V18): its outcome would fill what the
   * reset emptied.
   */
  private static String notResetSince(String predictor) {
    return """
        not exists (select 1 from model_evidence_resets r
                     where r.tenant_id = :tenantId and r.model_key = :modelKey
                       and r.predictor in ('', %s)
                       and r.catalog_version > :decisionCatalogVersion)"""
        .formatted(predictor);
  }

  @Override
  public int deleteKeysBefore(Instant cutoff, int batch) {
    return jdbc.sql(
            """
            delete from respond_idempotency where ctid in (
              select ctid from respond_idempotency where created_at < :cutoff limit :batch)
            """)
        .param("cutoff", Timestamp.from(cutoff))
        .param("batch", batch)
        .update();
  }

  /**
   * Only charges the budget ledger has counted: an uncounted one still has a row in {@code
   * uncounted_charges}, which holds the cost the reconciler counts, so deleting the charge would
   * not lose that cost; it is kept anyway until counted, so that the two tables agree.
   */
  @Override
  public int deleteChargesBefore(Instant cutoff, int batch) {
    return jdbc.sql(
            """
            delete from decision_charges where ctid in (
              select c.ctid from decision_charges c
               where c.charged_at < :cutoff
                 and not exists (select 1 from uncounted_charges u
                                  where u.tenant_id = c.tenant_id
                                    and u.decision_id = c.decision_id
                                    and u.offer_key = c.offer_key)
                 and not exists (select 1 from outbox_events o
                                  where o.tenant_id = c.tenant_id
                                    and o.id >= outbox_lowest_row_id(c.decision_id)
                                    and o.id <= c.decision_id
                                    and (o.id = c.decision_id or o.last_id >= c.decision_id))
               limit :batch)
            """)
        .param("cutoff", Timestamp.from(cutoff))
        .param("batch", batch)
        .update();
  }

  @Override
  public int forgetUncounted(Collection<ChargeKey> keys) {
    if (keys.isEmpty()) {
      return 0;
    }
    return keyed(
            """
            delete from uncounted_charges u
             using unnest(cast(:tenants as text[]), cast(:decisions as text[]),
                          cast(:offers as text[])) as k (tenant_id, decision_id, offer_key)
             where u.tenant_id = k.tenant_id and u.decision_id = k.decision_id
               and u.offer_key = k.offer_key
            """,
            keys)
        .update();
  }

  @Override
  public void extendClaims(Collection<ChargeKey> keys, Duration lease) {
    if (keys.isEmpty()) {
      return;
    }
    keyed(
            """
            update uncounted_charges u
               set claimed_until = now() + :leaseMs * interval '1 millisecond'
              from unnest(cast(:tenants as text[]), cast(:decisions as text[]),
                          cast(:offers as text[])) as k (tenant_id, decision_id, offer_key)
             where u.tenant_id = k.tenant_id and u.decision_id = k.decision_id
               and u.offer_key = k.offer_key
            """,
            keys)
        .param("leaseMs", lease.toMillis())
        .update();
  }

  /** A statement with the keys bound as three arrays: :tenants, :decisions and :offers. */
  private JdbcClient.StatementSpec keyed(String sql, Collection<ChargeKey> keys) {
    String[] tenants = new String[keys.size()];
    String[] decisions = new String[keys.size()];
    String[] offers = new String[keys.size()];
    int n = 0;
    for (ChargeKey k : keys) {
      tenants[n] = k.tenantId();
      decisions[n] = k.decisionId();
      offers[n] = k.offerKey();
      n++;
    }
    return jdbc.sql(sql)
        .param("tenants", new SqlArrayValue("text", (Object[]) tenants))
        .param("decisions", new SqlArrayValue("text", (Object[]) decisions))
        .param("offers", new SqlArrayValue("text", (Object[]) offers));
  }

  @Override
  public List<UncountedCharge> claimUncounted(Duration grace, Duration lease, int limit) {
    return jdbc.sql(
            """
            update uncounted_charges u
               set claimed_until = now() + :leaseMs * interval '1 millisecond'
              from (select tenant_id, decision_id, offer_key
                      from uncounted_charges
                     where created_at < now() - :graceMs * interval '1 millisecond'
                       and (claimed_until is null or claimed_until < now())
                     order by created_at
                     limit :limit
                       for update skip locked) c
             where u.tenant_id = c.tenant_id and u.decision_id = c.decision_id
               and u.offer_key = c.offer_key
            returning u.tenant_id, u.decision_id, u.offer_key, u.cost, u.charged_at,
                      u.catalog_version
            """)
        .param("leaseMs", lease.toMillis())
        .param("graceMs", grace.toMillis())
        .param("limit", limit)
        .query(
            (rs, n) ->
                new UncountedCharge(
                    new ChargeKey(
                        rs.getString("tenant_id"),
                        rs.getString("decision_id"),
                        rs.getString("offer_key")),
                    rs.getBigDecimal("cost"),
                    rs.getTimestamp("charged_at").toInstant(),
                    rs.getLong("catalog_version")))
        .list();
  }

  @Override
  public long countUncounted(Duration grace) {
    return jdbc.sql(
            """
            select count(*) from uncounted_charges
             where created_at < now() - :graceMs * interval '1 millisecond'
            """)
        .param("graceMs", grace.toMillis())
        .query(Long.class)
        .single();
  }
}
