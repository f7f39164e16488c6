package dev.arbiter.scoring.jdbc;

import dev.arbiter.engine.scoring.Learning;
import java.util.List;
import java.util.Locale;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The statements that add learned evidence: one upsert per model and outcome, whatever the number
 * of increments (they arrive as arrays and are unnested), so a caller can also run them as part of
 * a larger statement. Named parameters: {@code :tenantId}, {@code :modelKey}, {@code :at}, {@code
 * :shard} and the arrays {@link #bindBeta} and {@link #bindBins} bind.
 *
 * <p>Each statement adds to one shard of its rows, chosen by {@link #shard(int)}: one of {@value
 * #BETA_SHARDS} for Thompson rows (every outcome of a model touches its global row, so there must
 * be more shards than transactions in flight: the connection pool's default size is 50), one of
 * {@value #BIN_SHARDS} for naive Bayes rows (only outcomes of the same offer share rows); readers
 * sum the shards. Concurrent outcomes of one model then mostly lock different rows instead of
 * queueing on the model's global row until each commit is flushed. Shards are handed out in turn
 * (from a random start per node), so the statements a node has in flight at once, which were
 * started one after the other, use different shards. All rows of one statement are in the same
 * shard and locked in the same order (offer, category, global), so concurrent statements cannot
 * deadlock.
 */
public final class EvidenceSql {
  /** Shards per Thompson evidence row. */
  public static final int BETA_SHARDS = 64;

  /** Shards per naive Bayes evidence row. */
  public static final int BIN_SHARDS = 16;

  private EvidenceSql() {}

  private static final java.util.concurrent.atomic.AtomicInteger NEXT_SHARD =
      new java.util.concurrent.atomic.AtomicInteger(
          java.util.concurrent.ThreadLocalRandom.current().nextInt(1 << 16));

  /** A shard of {@code shards} for one statement: the next in turn. */
  static short shard(int shards) {
    return (short) Math.floorMod(NEXT_SHARD.getAndIncrement(), shards);
  }

  /**
   * Adds Thompson increments to {@code model_beta_counts}.
   *
   * @param guard a condition the rows are inserted under ({@code true}, or e.g. {@code exists
   *     (select 1 from claim)} inside a {@code with} statement)
   */
  public static String betaUpsert(String guard) {
    return """
        insert into model_beta_counts (tenant_id, model_key, level, key, shard, alpha, beta,
                                       updated_at)
        select :tenantId, :modelKey, t.level, t.key, :shard, t.alpha, t.beta, :at
          from unnest(cast(:betaLevels as text[]), cast(:betaKeys as text[]),
                      cast(:betaAlphas as float8[]), cast(:betaBetas as float8[]))
               as t(level, key, alpha, beta)
         where %s
        on conflict (tenant_id, model_key, level, key, shard) do update
           set alpha = model_beta_counts.alpha + excluded.alpha,
               beta = model_beta_counts.beta + excluded.beta,
               updated_at = excluded.updated_at
        """
        .formatted(guard);
  }

  /** Binds the arrays of {@link #betaUpsert}. */
  public static JdbcClient.StatementSpec bindBeta(
      JdbcClient.StatementSpec spec, List<Learning.BetaIncrement> increments) {
    int n = increments.size();
    String[] levels = new String[n];
    String[] keys = new String[n];
    double[] alphas = new double[n];
    double[] betas = new double[n];
    for (int i = 0; i < n; i++) {
      Learning.BetaIncrement inc = increments.get(i);
      levels[i] = inc.level().name().toLowerCase(Locale.ROOT);
      keys[i] = inc.key() == null ? "" : inc.key();
      alphas[i] = inc.alpha();
      betas[i] = inc.beta();
    }
    return spec.param("shard", shard(BETA_SHARDS))
        .param("betaLevels", levels)
        .param("betaKeys", keys)
        .param("betaAlphas", alphas)
        .param("betaBetas", betas);
  }

  /**
   * Adds naive Bayes increments to {@code model_bin_counts}: one per predictor bin, plus the
   * offer's totals (predictor {@code ''}, bin -1) once, with the first increment's polarity.
   *
   * @param guard as for {@link #betaUpsert}
   */
  public static String binUpsert(String guard) {
    return """
        insert into model_bin_counts (tenant_id, model_key, offer_key, predictor, bin, shard,
                                      positives, negatives, updated_at)
        select :tenantId, :modelKey, t.offer_key, t.predictor, t.bin, :shard, t.p, t.n, :at
          from unnest(cast(:binOffers as text[]), cast(:binPredictors as text[]),
                      cast(:binBins as int4[]), cast(:binPositives as int8[]),
                      cast(:binNegatives as int8[]))
               as t(offer_key, predictor, bin, p, n)
         where %s
        on conflict (tenant_id, model_key, offer_key, predictor, bin, shard) do update
           set positives = model_bin_counts.positives + excluded.positives,
               negatives = model_bin_counts.negatives + excluded.negatives,
               updated_at = excluded.updated_at
        """
        .formatted(guard);
  }

  /** Binds the arrays of {@link #binUpsert}; {@code increments} must not be empty. */
  public static JdbcClient.StatementSpec bindBins(
      JdbcClient.StatementSpec spec, List<Learning.BinIncrement> increments) {
    int n = increments.size() + 1;
    String[] offers = new String[n];
    String[] predictors = new String[n];
    int[] bins = new int[n];
    long[] positives = new long[n];
    long[] negatives = new long[n];
    Learning.BinIncrement first = increments.get(0);
    offers[0] = first.offerKey();
    predictors[0] = "";
    bins[0] = -1;
    positives[0] = first.positive() ? 1 : 0;
    negatives[0] = first.positive() ? 0 : 1;
    for (int i = 1; i < n; i++) {
      Learning.BinIncrement inc = increments.get(i - 1);
      offers[i] = inc.offerKey();
      predictors[i] = inc.predictorName();
      bins[i] = inc.bin();
      positives[i] = inc.positive() ? 1 : 0;
      negatives[i] = inc.positive() ? 0 : 1;
    }
    return spec.param("shard", shard(BIN_SHARDS))
        .param("binOffers", offers)
        .param("binPredictors", predictors)
        .param("binBins", bins)
        .param("binPositives", positives)
        .param("binNegatives", negatives);
  }
}
