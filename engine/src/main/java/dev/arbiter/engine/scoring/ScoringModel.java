package dev.arbiter.engine.scoring;

import java.util.Map;

/**
 * A compiled, valid scoring model. Built by the catalog from a model definition; immutable and
 * thread-safe.
 */
public sealed interface ScoringModel
    permits ScorecardModel, ThompsonModel, NaiveBayesModel, LogisticModel, ExternalModel {

  /** The model's key. */
  String key();

  /**
   * The API's model type: {@code scorecard}, {@code thompson}, {@code naive_bayes}, {@code
   * logistic}, {@code external}.
   */
  String type();

  /** The propensity used when the model fails or is unavailable, in [0, 1]. */
  double fallbackScore();

  /**
   * Whether {@link #score} gives the same result for every offer of one decision (given the same
   * random draws), so the pipeline may score once and reuse it.
   */
  boolean offerIndependent();

  /**
   * Scores one offer.
   *
   * @param subject the offer
   * @param data the decision data {@code {customer, request, offer}}
   * @param state the model's learned state, or null for none
   * @param random the offer's random source, already seeded for this offer and request
   * @return a propensity in [0, 1], or NaN when the model cannot score this offer from this data (a
   *     missing feature: the caller then uses {@link #fallbackScore()} and flags it)
   * @throws RuntimeException when the model fails (a rule raising an error, state that does not fit
   *     the model): the caller uses the fallback score too, and counts a failure of the model
   */
  double score(ScoringSubject subject, Map<String, ?> data, ModelState state, SeededRandom random);

  /** The logistic function {@code 1 / (1 + e^-z)}. */
  static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }
}
