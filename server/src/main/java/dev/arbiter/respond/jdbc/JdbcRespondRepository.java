package dev.arbiter.respond.jdbc;

import dev.arbiter.respond.RespondRepository;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** {@link RespondRepository} on PostgreSQL. */
public class JdbcRespondRepository implements RespondRepository {
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private final JdbcClient jdbc;
  private final JsonMapper json;

  public JdbcRespondRepository(JdbcClient jdbc, JsonMapper json) {
    this.jdbc = jdbc;
    this.json = json;
  }

  @Override
  public Optional<StoredResponse> findResponse(String tenantId, String idempotencyKey) {
    return jdbc.sql(
            """
            select request_hash, response::text as response from respond_idempotency
             where tenant_id = :tenantId and idempotency_key = :key
            """)
        .param("tenantId", tenantId)
        .param("key", idempotencyKey)
        .query(
            (rs, n) ->
                new StoredResponse(
                    rs.getString("request_hash"), json.readValue(rs.getString("response"), MAP)))
        .optional();
  }

  @Override
  public boolean claimKey(
      String tenantId,
      String idempotencyKey,
      String requestHash,
      String interactionId,
      Map<String, Object> response,
      Instant at) {
    return jdbc.sql(
                """
                insert into respond_idempotency (tenant_id, idempotency_key, request_hash,
                                                 interaction_id, response, created_at)
                values (:tenantId, :key, :hash, :interactionId, cast(:response as jsonb), :at)
                on conflict (tenant_id, idempotency_key) do nothing
                """)
            .param("tenantId", tenantId)
            .param("key", idempotencyKey)
            .param("hash", requestHash)
            .param("interactionId", interactionId)
            .param("response", json.writeValueAsString(response))
            .param("at", Timestamp.from(at))
            .update()
        == 1;
  }

  @Override
  public void insertInteraction(Interaction i) {
    jdbc.sql(
            """
            insert into interactions (id, tenant_id, customer_id, decision_id, offer_key, category,
                                      channel, outcome, value, occurred_at, recorded_at,
                                      idempotency_key)
            values (:id, :tenantId, :customerId, :decisionId, :offerKey, :category, :channel,
                    :outcome, :value, :occurredAt, :recordedAt, :key)
            """)
        .param("id", i.id())
        .param("tenantId", i.tenantId())
        .param("customerId", i.customerId())
        .param("decisionId", i.decisionId())
        .param("offerKey", i.offerKey())
        .param("category", i.category())
        .param("channel", i.channel())
        .param("outcome", i.outcome())
        .param("value", i.value())
        .param("occurredAt", Timestamp.from(i.occurredAt()))
        .param("recordedAt", Timestamp.from(i.recordedAt()))
        .param("key", i.idempotencyKey())
        .update();
  }

  @Override
  public boolean charge(
      String tenantId,
      String decisionId,
      String offerKey,
      String interactionId,
      BigDecimal cost,
      Instant at) {
    return jdbc.sql(
                """
                insert into decision_charges (tenant_id, decision_id, offer_key, interaction_id,
                                              cost, charged_at)
                values (:tenantId, :decisionId, :offerKey, :interactionId, :cost, :at)
                on conflict (tenant_id, decision_id, offer_key) do nothing
                """)
            .param("tenantId", tenantId)
            .param("decisionId", decisionId)
            .param("offerKey", offerKey)
            .param("interactionId", interactionId)
            .param("cost", cost)
            .param("at", Timestamp.from(at))
            .update()
        == 1;
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
}
