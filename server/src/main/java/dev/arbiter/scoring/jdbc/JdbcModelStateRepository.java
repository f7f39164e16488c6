package dev.arbiter.scoring.jdbc;

import dev.arbiter.engine.scoring.Learning;
import dev.arbiter.scoring.ModelEvidence;
import dev.arbiter.scoring.ModelStateRepository;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.springframework.jdbc.core.simple.JdbcClient;

/** {@link ModelStateRepository} on PostgreSQL: upserts that add, so no update is ever lost. */
public class JdbcModelStateRepository implements ModelStateRepository {
  private final JdbcClient jdbc;

  public JdbcModelStateRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public ModelEvidence load(String tenantId, String modelKey) {
    List<ModelEvidence.Beta> beta =
        jdbc.sql(
                "select level, key, alpha, beta from model_beta_counts"
                    + " where tenant_id = :tenantId and model_key = :modelKey")
            .param("tenantId", tenantId)
            .param("modelKey", modelKey)
            .query(
                (rs, n) ->
                    new ModelEvidence.Beta(
                        rs.getString("level"),
                        rs.getString("key"),
                        rs.getDouble("alpha"),
                        rs.getDouble("beta")))
            .list();
    List<ModelEvidence.Bin> bins =
        jdbc.sql(
                "select offer_key, predictor, bin, positives, negatives from model_bin_counts"
                    + " where tenant_id = :tenantId and model_key = :modelKey")
            .param("tenantId", tenantId)
            .param("modelKey", modelKey)
            .query(
                (rs, n) ->
                    new ModelEvidence.Bin(
                        rs.getString("offer_key"),
                        rs.getString("predictor"),
                        rs.getInt("bin"),
                        rs.getLong("positives"),
                        rs.getLong("negatives")))
            .list();
    return new ModelEvidence(beta, bins);
  }

  @Override
  public void addBeta(
      String tenantId, String modelKey, List<Learning.BetaIncrement> increments, Instant at) {
    for (Learning.BetaIncrement inc : increments) {
      jdbc.sql(
              """
              insert into model_beta_counts (tenant_id, model_key, level, key, alpha, beta, updated_at)
              values (:tenantId, :modelKey, :level, :key, :alpha, :beta, :at)
              on conflict (tenant_id, model_key, level, key) do update
                 set alpha = model_beta_counts.alpha + excluded.alpha,
                     beta = model_beta_counts.beta + excluded.beta,
                     updated_at = excluded.updated_at
              """)
          .param("tenantId", tenantId)
          .param("modelKey", modelKey)
          .param("level", inc.level().name().toLowerCase(Locale.ROOT))
          .param("key", inc.key() == null ? "" : inc.key())
          .param("alpha", inc.alpha())
          .param("beta", inc.beta())
          .param("at", Timestamp.from(at))
          .update();
    }
  }

  @Override
  public void addBins(
      String tenantId, String modelKey, List<Learning.BinIncrement> increments, Instant at) {
    if (increments.isEmpty()) {
      return;
    }
    // The offer's totals move once per outcome, with the first increment's polarity.
    Learning.BinIncrement first = increments.get(0);
    add(tenantId, modelKey, first.offerKey(), "", -1, first.positive(), at);
    for (Learning.BinIncrement inc : increments) {
      add(tenantId, modelKey, inc.offerKey(), inc.predictorName(), inc.bin(), inc.positive(), at);
    }
  }

  private void add(
      String tenantId,
      String modelKey,
      String offerKey,
      String predictor,
      int bin,
      boolean positive,
      Instant at) {
    jdbc.sql(
            """
            insert into model_bin_counts (tenant_id, model_key, offer_key, predictor, bin, positives,
                                          negatives, updated_at)
            values (:tenantId, :modelKey, :offerKey, :predictor, :bin, :p, :n, :at)
            on conflict (tenant_id, model_key, offer_key, predictor, bin) do update
               set positives = model_bin_counts.positives + excluded.positives,
                   negatives = model_bin_counts.negatives + excluded.negatives,
                   updated_at = excluded.updated_at
            """)
        .param("tenantId", tenantId)
        .param("modelKey", modelKey)
        .param("offerKey", offerKey)
        .param("predictor", predictor)
        .param("bin", bin)
        .param("p", positive ? 1 : 0)
        .param("n", positive ? 0 : 1)
        .param("at", Timestamp.from(at))
        .update();
  }
}
