package dev.arbiter.scoring.jdbc;

import dev.arbiter.engine.scoring.Learning;
import dev.arbiter.scoring.ModelEvidence;
import dev.arbiter.scoring.ModelStateRepository;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
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
                "select level, key, sum(alpha) as alpha, sum(beta) as beta from model_beta_counts"
                    + " where tenant_id = :tenantId and model_key = :modelKey"
                    + " group by level, key")
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
                "select offer_key, predictor, bin, sum(positives) as positives,"
                    + " sum(negatives) as negatives from model_bin_counts"
                    + " where tenant_id = :tenantId and model_key = :modelKey"
                    + " group by offer_key, predictor, bin")
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
    if (increments.isEmpty()) {
      return;
    }
    EvidenceSql.bindBeta(jdbc.sql(EvidenceSql.betaUpsert("true")), increments)
        .param("tenantId", tenantId)
        .param("modelKey", modelKey)
        .param("at", Timestamp.from(at))
        .update();
  }

  @Override
  public void addBins(
      String tenantId, String modelKey, List<Learning.BinIncrement> increments, Instant at) {
    if (increments.isEmpty()) {
      return;
    }
    EvidenceSql.bindBins(jdbc.sql(EvidenceSql.binUpsert("true")), increments)
        .param("tenantId", tenantId)
        .param("modelKey", modelKey)
        .param("at", Timestamp.from(at))
        .update();
  }
}
