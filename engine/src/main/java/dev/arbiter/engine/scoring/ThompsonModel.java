package dev.arbiter.engine.scoring;

import java.util.Map;
import java.util.Objects;

/**
 * Thompson sampling: the propensity is a draw from the Beta posterior of the offer, or of its
 * category or of all offers when the offer's evidence is thin.
 *
 * <p>Config: {@code {"prior": {"alpha": 1, "beta": 1}, "minEvidence": 10}}. The evidence of a level
 * is {@code alpha + beta - priorAlpha - priorBeta} (outcomes folded in). The first level of offer →
 * category → global whose evidence reaches {@code minEvidence} is sampled; when none does, the
 * level with the most evidence is (the offer's on a tie), so a brand-new offer borrows what its
 * category has learnt.
 *
 * @param key the model's key
 * @param fallbackScore in [0, 1]
 * @param priorAlpha positive
 * @param priorBeta positive
 * @param minEvidence non-negative
 */
public record ThompsonModel(
    String key, double fallbackScore, double priorAlpha, double priorBeta, double minEvidence)
    implements ScoringModel {
  public ThompsonModel {
    Objects.requireNonNull(key, "key");
    new BetaCounts(priorAlpha, priorBeta);
    if (!(minEvidence >= 0)) {
      throw new IllegalArgumentException("minEvidence must be non-negative");
    }
  }

  @Override
  public String type() {
    return "thompson";
  }

  @Override
  public boolean offerIndependent() {
    return false;
  }

  /** The prior as a posterior with no evidence. */
  public BetaCounts prior() {
    return new BetaCounts(priorAlpha, priorBeta);
  }

  @Override
  public double score(
      ScoringSubject subject, Map<String, ?> data, ModelState state, SeededRandom random) {
    ThompsonState thompson;
    if (state == null) {
      thompson = ThompsonState.EMPTY;
    } else if (state instanceof ThompsonState t) {
      thompson = t;
    } else {
      throw new IllegalStateException(
          "model " + key() + " was given state of another model type: " + state.getClass());
    }
    BetaCounts posterior = learned(thompson, subject.key(), subject.category());
    // The prior's parameters directly: a new offer (every offer of a new model) allocates nothing.
    return posterior == null
        ? random.nextBeta(priorAlpha, priorBeta)
        : random.nextBeta(posterior.alpha(), posterior.beta());
  }

  /** The posterior that {@link #score} samples for this offer (see the class comment). */
  public BetaCounts posterior(ThompsonState state, String offerKey, String category) {
    BetaCounts learned = learned(state, offerKey, category);
    return learned == null ? prior() : learned;
  }

  /** {@link #posterior}, null where that is the prior. */
  private BetaCounts learned(ThompsonState state, String offerKey, String category) {
    double priorSum = priorAlpha + priorBeta;
    BetaCounts offer = state.offers().get(offerKey);
    double offerEvidence = evidence(offer, priorSum);
    if (offerEvidence >= minEvidence && offerEvidence > 0) {
      return offer;
    }
    BetaCounts best = offer;
    double bestEvidence = offer == null ? -1 : offerEvidence;
    BetaCounts byCategory = category == null ? null : state.categories().get(category);
    double categoryEvidence = evidence(byCategory, priorSum);
    if (categoryEvidence >= minEvidence && categoryEvidence > 0) {
      return byCategory;
    }
    if (byCategory != null && categoryEvidence > bestEvidence) {
      best = byCategory;
      bestEvidence = categoryEvidence;
    }
    BetaCounts global = state.global();
    double globalEvidence = evidence(global, priorSum);
    if (globalEvidence >= minEvidence && globalEvidence > 0) {
      return global;
    }
    if (global != null && globalEvidence > bestEvidence) {
      best = global;
      bestEvidence = globalEvidence;
    }
    return best != null && bestEvidence > 0 ? best : null;
  }

  private static double evidence(BetaCounts counts, double priorSum) {
    return counts == null ? -1 : counts.alpha() + counts.beta() - priorSum;
  }
}
