package dev.arbiter.engine.scoring;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Naive Bayes over binned predictors, after the formula Pega publishes for its adaptive models.
 *
 * <p>Config:
 *
 * <pre>{@code
 * {"predictors": [
 *   {"name": "age", "path": "customer.age", "type": "numeric", "bins": [25, 40, 60]},
 *   {"name": "segment", "path": "customer.segment", "type": "symbolic",
 *    "values": ["gold", "silver"]}]}
 * }</pre>
 *
 * A numeric predictor with ascending boundaries {@code b1 < … < bk} has bins {@code (-∞, b1), [b1,
 * b2), …, [bk, ∞)} and a last bin for a missing or non-numeric value ({@code k + 2} bins); a
 * symbolic one has a bin per listed value, one for any other value and one for missing ({@code n +
 * 2}). For an offer with {@code P} positives and {@code N} negatives, each predictor with {@code
 * P_i} positives and {@code N_i} negatives in its bins contributes the Laplace-smoothed bin log
 * odds {@code ln(p_b + 1/B) - ln(P_i + 1) - ln(n_b + 1/B) + ln(N_i + 1)} ({@code B} bins), and the
 * propensity is {@code sigmoid((Σ + ln(1 + P) - ln(1 + N)) / (1 + predictors))}, over the
 * predictors that have evidence. {@code P_i = P} and {@code N_i = N} while every outcome was
 * counted in every predictor (the published formula); a predictor added or re-binned since starts
 * again from empty bins while the totals stay, and is left out until it has evidence of its own
 * (with the totals in its terms instead, each empty predictor cancelled the base rate: every
 * customer scored about 0.5). Without evidence that is 0.5; with evidence only in the totals, the
 * offer's base rate. Counts that do not fit the predictors (a changed config) are a model error.
 *
 * @param key the model's key
 * @param fallbackScore in [0, 1]
 * @param predictors at least one
 * @param binning derived from {@code predictors} whatever is passed: each predictor's name to its
 *     {@link Predictor#binning()}, in predictor order
 */
public record NaiveBayesModel(
    String key, double fallbackScore, List<Predictor> predictors, Map<String, String> binning)
    implements ScoringModel {

  /**
   * One binned predictor.
   *
   * @param name the predictor's name
   * @param path where its value is
   * @param numeric numeric (with {@code bounds}) or symbolic (with {@code values})
   * @param bounds ascending bin boundaries for a numeric predictor, else empty
   * @param values the listed values of a symbolic predictor, else empty
   * @param binning derived from the other fields whatever is passed: see {@link #binningOf}
   */
  public record Predictor(
      String name,
      FeaturePath path,
      boolean numeric,
      List<Double> bounds,
      List<String> values,
      String binning) {
    public Predictor {
      bounds = List.copyOf(bounds);
      values = List.copyOf(values);
      binning = binningOf(name, path, numeric, bounds, values);
    }

    public Predictor(
        String name, FeaturePath path, boolean numeric, List<Double> bounds, List<String> values) {
      this(name, path, numeric, bounds, values, null);
    }

    /** Bins including the "other" (symbolic) and "missing" bins. */
    public int binCount() {
      return (numeric ? bounds.size() + 1 : values.size() + 1) + 1;
    }

    /** The bin of {@code value}; the last bin is "missing". */
    public int binOf(Object value) {
      int missing = binCount() - 1;
      if (numeric) {
        if (!(value instanceof Number n)) {
          return missing;
        }
        double x = n.doubleValue();
        if (Double.isNaN(x)) {
          return missing;
        }
        int bin = 0;
        while (bin < bounds.size() && x >= bounds.get(bin)) {
          bin++;
        }
        return bin;
      }
      if (value == null) {
        return missing;
      }
      String text = value instanceof String s ? s : String.valueOf(value);
      int index = values.indexOf(text);
      return index >= 0 ? index : values.size();
    }
  }

  public NaiveBayesModel {
    Objects.requireNonNull(key, "key");
    predictors = List.copyOf(predictors);
    if (predictors.isEmpty()) {
      throw new IllegalArgumentException("a naive Bayes model needs a predictor");
    }
    Map<String, String> byName = new LinkedHashMap<>();
    for (Predictor p : predictors) {
      byName.put(p.name(), p.binning());
    }
    binning = Collections.unmodifiableMap(byName);
  }

  public NaiveBayesModel(String key, double fallbackScore, List<Predictor> predictors) {
    this(key, fallbackScore, predictors, null);
  }

  /**
   * A fingerprint of how a predictor bins a decision: 16 hex digits of a SHA-256 over its name,
   * path, type and bins or values. Predictors that bin alike have equal fingerprints (numbers
   * compare by value, so {@code 1000} and {@code 1e3} are one bound, and so are {@code -0.0} and
   * {@code 0.0}), and a change to any bin, value, its order, the path, the type or the name changes
   * it (short of a 64-bit collision). A decision records its model's, so that an outcome arriving
   * after a predictor changed is not counted in bins that now mean something else.
   */
  static String binningOf(
      String name, FeaturePath path, boolean numeric, List<Double> bounds, List<String> values) {
    StringBuilder text = new StringBuilder();
    field(text, name);
    field(text, String.valueOf(path));
    field(text, numeric ? "numeric" : "symbolic");
    if (numeric) {
      text.append(bounds.size()).append(';');
      for (double bound : bounds) {
        // -0.0 and 0.0 bin alike (x >= bound); the canonical text must not tell them apart
        field(text, Double.toString(bound == 0 ? 0.0 : bound));
      }
    } else {
      text.append(values.size()).append(';');
      for (String value : values) {
        field(text, value);
      }
    }
    // UTF-16 code units, not UTF-8: an unpaired surrogate must not become the same '?' as another
    byte[] units = new byte[text.length() * 2];
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      units[2 * i] = (byte) (c >>> 8);
      units[2 * i + 1] = (byte) c;
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(units);
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** A length-prefixed field: no two different lists of fields make the same text. */
  private static void field(StringBuilder text, String value) {
    if (value == null) {
      text.append("-;");
    } else {
      text.append(value.length()).append(':').append(value);
    }
  }

  @Override
  public String type() {
    return "naive_bayes";
  }

  @Override
  public boolean offerIndependent() {
    return false;
  }

  /** The bin of each predictor for {@code data}, in predictor order. */
  public int[] bins(Map<String, ?> data) {
    int[] bins = new int[predictors.size()];
    for (int p = 0; p < bins.length; p++) {
      Predictor predictor = predictors.get(p);
      bins[p] = predictor.binOf(predictor.path().resolve(data));
    }
    return bins;
  }

  @Override
  public double score(
      ScoringSubject subject, Map<String, ?> data, ModelState state, SeededRandom random) {
    NaiveBayesCounts counts;
    if (state == null) {
      counts = null;
    } else if (state instanceof NaiveBayesState nb) {
      counts = nb.offers().get(subject.key());
      if (counts != null && !counts.fits(this)) {
        throw new IllegalStateException(
            "model "
                + key
                + ": the counts of offer "
                + subject.key()
                + " do not fit its predictors");
      }
    } else {
      throw new IllegalStateException(
          "model " + key + " was given state of another model type: " + state.getClass());
    }
    if (counts == null) {
      return 0.5;
    }
    double positives = counts.positives();
    double negatives = counts.negatives();
    double logPositives = Math.log(positives + 1);
    double logNegatives = Math.log(negatives + 1);
    double sum = 0;
    int withEvidence = 0;
    for (int p = 0; p < predictors.size(); p++) {
      long predictorPositives = counts.predictorPositives(p);
      long predictorNegatives = counts.predictorNegatives(p);
      if (predictorPositives + predictorNegatives == 0) {
        continue; // added or re-binned since the outcomes were counted: nothing to say yet
      }
      withEvidence++;
      Predictor predictor = predictors.get(p);
      int bin = predictor.binOf(predictor.path().resolve(data));
      double smoothing = 1.0 / predictor.binCount();
      sum +=
          Math.log(counts.binPositives(p, bin) + smoothing)
              - (predictorPositives == positives ? logPositives : Math.log(predictorPositives + 1))
              - Math.log(counts.binNegatives(p, bin) + smoothing)
              + (predictorNegatives == negatives ? logNegatives : Math.log(predictorNegatives + 1));
    }
    double logOdds = (sum + logPositives - logNegatives) / (1 + withEvidence);
    return ScoringModel.sigmoid(logOdds);
  }
}
