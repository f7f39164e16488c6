package dev.arbiter.engine.arbitration;

import java.util.Objects;

/**
 * A compiled, valid arbitration profile. Immutable and thread-safe.
 *
 * <p>Weights are non-negative, finite, and sum to more than 0. The pipeline splits the score into a
 * static part (relevance, value and priority, computed once per flow when the catalog is built) and
 * the propensity part, and ranks on {@link #rankKey}: for PRIE the weighted mean of the factors'
 * logarithms (monotone in the score, one logarithm per offer per decision), for the weighted sum
 * the score itself.
 *
 * @param key the profile's key ({@code default} for {@link #DEFAULT})
 * @param formula the formula
 * @param propensityWeight non-negative
 * @param relevanceWeight non-negative
 * @param valueWeight non-negative
 * @param priorityWeight non-negative
 * @param valueMax the value that gives value factor 1, or null to use the flow's largest value
 */
public record ArbitrationProfile(
    String key,
    Formula formula,
    double propensityWeight,
    double relevanceWeight,
    double valueWeight,
    double priorityWeight,
    Double valueMax) {

  /** The profile of a flow that names none: PRIE, weights 0.4 / 0.2 / 0.3 / 0.1. */
  public static final ArbitrationProfile DEFAULT =
      new ArbitrationProfile("default", Formula.PRIE, 0.4, 0.2, 0.3, 0.1, null);

  public ArbitrationProfile {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(formula, "formula");
    for (double w : new double[] {propensityWeight, relevanceWeight, valueWeight, priorityWeight}) {
      if (!(w >= 0) || Double.isInfinite(w)) {
        throw new IllegalArgumentException("weights must be non-negative and finite");
      }
    }
    if (!(propensityWeight + relevanceWeight + valueWeight + priorityWeight > 0)) {
      throw new IllegalArgumentException("weights must sum to more than 0");
    }
    if (valueMax != null && !(valueMax > 0 && !valueMax.isInfinite())) {
      throw new IllegalArgumentException("valueMax must be positive and finite");
    }
  }

  /** The sum of the weights, positive. */
  public double weightSum() {
    return propensityWeight + relevanceWeight + valueWeight + priorityWeight;
  }

  /** Whether a factor of 0 with this weight eliminates the offer. */
  public boolean eliminates(double factor, double weight) {
    return formula == Formula.PRIE && weight > 0 && !(factor > 0);
  }

  /** Whether these relevance, value and priority factors eliminate the offer. */
  public boolean eliminatesStatic(double relevance, double value, double priority) {
    return eliminates(relevance, relevanceWeight)
        || eliminates(value, valueWeight)
        || eliminates(priority, priorityWeight);
  }

  /**
   * The static part of the rank key for factors that {@link #eliminatesStatic} does not eliminate.
   */
  public double staticTerm(double relevance, double value, double priority) {
    return term(relevance, relevanceWeight)
        + term(value, valueWeight)
        + term(priority, priorityWeight);
  }

  /** The contribution of one factor to the rank key's numerator. */
  public double term(double factor, double weight) {
    if (weight == 0) {
      return 0;
    }
    return formula == Formula.PRIE ? weight * Math.log(factor) : weight * factor;
  }

  /** The rank key from the static term and the propensity; higher ranks first. */
  public double rankKey(double staticTerm, double propensity) {
    return (staticTerm + term(propensity, propensityWeight)) / weightSum();
  }

  /** The score in [0, 1] for a rank key. */
  public double score(double rankKey) {
    return formula == Formula.PRIE ? Math.exp(rankKey) : rankKey;
  }

  /**
   * The score of four factors, 0 when PRIE eliminates them; a convenience for callers and tests.
   */
  public double score(double propensity, double relevance, double value, double priority) {
    if (eliminates(propensity, propensityWeight) || eliminatesStatic(relevance, value, priority)) {
      return 0;
    }
    return score(rankKey(staticTerm(relevance, value, priority), propensity));
  }
}
