package dev.arbiter.engine.scoring;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pure functions that fold one outcome into a model's learned state and return the new state; the
 * old state is never changed, so the caller can apply the result atomically (compare-and-set, or by
 * applying the listed increments in one transaction). Neutral outcomes change nothing.
 */
public final class Learning {
  private Learning() {}

  /** The level of a Thompson posterior. */
  public enum Level {
    OFFER,
    CATEGORY,
    GLOBAL
  }

  /**
   * One increment to apply to a Thompson posterior: add {@code alpha} and {@code beta} to the entry
   * of {@code level} named {@code key} (null for {@link Level#GLOBAL}), creating it at the model's
   * prior when missing.
   */
  public record BetaIncrement(Level level, String key, double alpha, double beta) {}

  /**
   * The increments a Thompson outcome makes: {@code alpha + 1} for a positive, {@code beta + 1} for
   * a negative, at the offer, its category (when it has one) and the global level.
   *
   * @return empty for a neutral outcome
   */
  public static List<BetaIncrement> thompsonIncrements(
      String offerKey, String category, OutcomeClass outcome) {
    if (outcome == OutcomeClass.NEUTRAL) {
      return List.of();
    }
    double a = outcome == OutcomeClass.POSITIVE ? 1 : 0;
    double b = 1 - a;
    if (category == null) {
      return List.of(
          new BetaIncrement(Level.OFFER, offerKey, a, b),
          new BetaIncrement(Level.GLOBAL, null, a, b));
    }
    return List.of(
        new BetaIncrement(Level.OFFER, offerKey, a, b),
        new BetaIncrement(Level.CATEGORY, category, a, b),
        new BetaIncrement(Level.GLOBAL, null, a, b));
  }

  /**
   * Folds one outcome for {@code offerKey} into {@code state} (see {@link #thompsonIncrements}).
   *
   * @param state the current state, null for none
   * @return the new state; {@code state} itself for a neutral outcome
   */
  public static ThompsonState thompson(
      ThompsonModel model,
      ThompsonState state,
      String offerKey,
      String category,
      OutcomeClass outcome) {
    ThompsonState current = state == null ? ThompsonState.EMPTY : state;
    if (outcome == OutcomeClass.NEUTRAL) {
      return current;
    }
    Map<String, BetaCounts> offers = new HashMap<>(current.offers());
    Map<String, BetaCounts> categories = new HashMap<>(current.categories());
    BetaCounts global = current.global();
    for (BetaIncrement inc : thompsonIncrements(offerKey, category, outcome)) {
      switch (inc.level()) {
        case OFFER -> offers.put(inc.key(), plus(model, offers.get(inc.key()), inc));
        case CATEGORY -> categories.put(inc.key(), plus(model, categories.get(inc.key()), inc));
        case GLOBAL -> global = plus(model, global, inc);
      }
    }
    return new ThompsonState(offers, categories, global);
  }

  private static BetaCounts plus(ThompsonModel model, BetaCounts counts, BetaIncrement inc) {
    BetaCounts base = counts == null ? model.prior() : counts;
    return new BetaCounts(base.alpha() + inc.alpha(), base.beta() + inc.beta());
  }

  /**
   * One increment to apply to naive Bayes counts: one more positive (or negative) outcome in bin
   * {@code bin} of predictor {@code predictor} (model order) for {@code offerKey}.
   */
  public record BinIncrement(
      String offerKey, int predictor, String predictorName, int bin, boolean positive) {}

  /**
   * The increments a naive Bayes outcome makes: one per predictor, in the bin {@code data} falls
   * into, plus the offer's positive or negative total.
   *
   * @param data the decision data {@code {customer, request, offer}} the offer was decided with
   * @return empty for a neutral outcome
   */
  public static List<BinIncrement> naiveBayesIncrements(
      NaiveBayesModel model, String offerKey, Map<String, ?> data, OutcomeClass outcome) {
    if (outcome == OutcomeClass.NEUTRAL) {
      return List.of();
    }
    int[] bins = model.bins(data);
    BinIncrement[] increments = new BinIncrement[bins.length];
    for (int p = 0; p < bins.length; p++) {
      increments[p] =
          new BinIncrement(
              offerKey,
              p,
              model.predictors().get(p).name(),
              bins[p],
              outcome == OutcomeClass.POSITIVE);
    }
    return List.of(increments);
  }

  /**
   * Folds one outcome for {@code offerKey} into {@code state}. Counts that no longer fit the model
   * (its predictors changed) restart from zero.
   *
   * @param state the current state, null for none
   * @param data the decision data {@code {customer, request, offer}} the offer was decided with
   * @return the new state; {@code state} itself for a neutral outcome
   */
  public static NaiveBayesState naiveBayes(
      NaiveBayesModel model,
      NaiveBayesState state,
      String offerKey,
      Map<String, ?> data,
      OutcomeClass outcome) {
    NaiveBayesState current = state == null ? NaiveBayesState.EMPTY : state;
    if (outcome == OutcomeClass.NEUTRAL) {
      return current;
    }
    NaiveBayesCounts counts = current.offers().get(offerKey);
    if (counts == null || !counts.fits(model)) {
      counts = NaiveBayesCounts.empty(model);
    }
    Map<String, NaiveBayesCounts> offers = new HashMap<>(current.offers());
    offers.put(offerKey, counts.plus(model.bins(data), outcome == OutcomeClass.POSITIVE));
    return new NaiveBayesState(offers);
  }
}
