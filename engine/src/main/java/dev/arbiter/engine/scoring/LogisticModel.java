package dev.arbiter.engine.scoring;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Logistic regression: {@code p = 1 / (1 + e^-(intercept + Σ weight·x))} over named numeric
 * features.
 *
 * <p>Config: {@code {"intercept": -1.2, "weights": {"customer.age": 0.02, "customer.balance":
 * 0.0001}, "missing": "fallback"|"zero"}}. A feature is a path into the decision data; numbers are
 * used as they are and booleans as 1/0. A missing feature is 0 with {@code "missing": "zero"} and a
 * model error otherwise (the default); a non-numeric feature is always a model error, which gives
 * the fallback score.
 *
 * @param key the model's key
 * @param fallbackScore in [0, 1]
 * @param intercept finite
 * @param features the weighted features, in config order
 * @param missingAsZero whether a missing feature counts as 0
 */
public record LogisticModel(
    String key,
    double fallbackScore,
    double intercept,
    List<Feature> features,
    boolean missingAsZero)
    implements ScoringModel {

  /**
   * One weighted feature.
   *
   * @param path where the value is
   * @param weight finite
   */
  public record Feature(FeaturePath path, double weight) {}

  public LogisticModel {
    Objects.requireNonNull(key, "key");
    features = List.copyOf(features);
  }

  @Override
  public String type() {
    return "logistic";
  }

  @Override
  public boolean offerIndependent() {
    for (Feature f : features) {
      if (f.path().readsOffer()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public double score(
      ScoringSubject subject, Map<String, ?> data, ModelState state, SeededRandom random) {
    double z = intercept;
    for (Feature feature : features) {
      Object value = feature.path().resolve(data);
      double x;
      if (value instanceof Number n) {
        x = n.doubleValue();
      } else if (value instanceof Boolean b) {
        x = b ? 1 : 0;
      } else if (value == null && missingAsZero) {
        x = 0;
      } else {
        return Double.NaN;
      }
      z += feature.weight() * x;
    }
    if (Double.isNaN(z)) {
      return Double.NaN;
    }
    return ScoringModel.sigmoid(z);
  }
}
