package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.catalog.Offer;
import dev.arbiter.engine.scoring.ExternalModel;
import dev.arbiter.engine.scoring.ModelState;
import dev.arbiter.engine.scoring.ScoringModel;
import dev.arbiter.engine.scoring.ScoringSubject;
import dev.arbiter.engine.scoring.SeededRandom;
import dev.arbiter.engine.trace.Stage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Gives every surviving offer a propensity. Without a model it is 0.5; with a model marked
 * unavailable, or when the model fails for an offer (an exception, NaN, or a value outside [0, 1]),
 * it is the model's fallback score, flagged. An {@code external} model is asked once for all the
 * offers ({@link RuntimeState#external()}). Each offer draws from its own random stream, seeded
 * from the request seed and the offer key, so its propensity does not depend on the other offers.
 * Removes nothing.
 */
final class ScoringStage implements PipelineStage {
  static final double NO_MODEL_PROPENSITY = 0.5;

  @Override
  public Stage stage() {
    return Stage.SCORING;
  }

  @Override
  public void apply(DecisionWork w) {
    w.scoredIndex = Arrays.copyOf(w.alive, w.count);
    w.scoredCount = w.count;
    ScoringModel model = w.flow.model();
    if (model == null) {
      fill(w, NO_MODEL_PROPENSITY, false);
      return;
    }
    if (w.runtime.unavailableModels().contains(model.key())) {
      fallBackAll(w, model, FallbackCause.MODEL_UNAVAILABLE);
      return;
    }
    if (model instanceof ExternalModel external) {
      scoreExternally(w, external);
      return;
    }
    ModelState state = w.runtime.models().state(model.key());
    SeededRandom random = new SeededRandom(0);
    long seed = w.request.seed();
    if (model.offerIndependent()) {
      if (w.count == 0) {
        return;
      }
      Offer first = w.candidates[w.alive[0]];
      w.data.offer(first);
      random.reseed(SeededRandom.mix(seed, first.randomStream()));
      double p = score(model, first, w, state, random);
      if (valid(p)) {
        w.modelScored = true;
        fill(w, p, false);
      } else {
        fallBackAll(w, model, w.raised ? FallbackCause.MODEL_ERROR : FallbackCause.NO_SCORE);
        w.raised = false;
      }
      return;
    }
    for (int k = 0; k < w.count; k++) {
      int i = w.alive[k];
      Offer offer = w.candidates[i];
      w.data.offer(offer);
      random.reseed(SeededRandom.mix(seed, offer.randomStream()));
      double p = score(model, offer, w, state, random);
      set(w, i, p, model, w.raised ? FallbackCause.MODEL_ERROR : FallbackCause.NO_SCORE);
      w.raised = false;
    }
  }

  /**
   * One call to the model's service for every offer still in the running; a failed call gives them
   * all the fallback score, an offer it did not score (NaN, or outside [0, 1]) its own.
   */
  private static void scoreExternally(DecisionWork w, ExternalModel model) {
    if (w.count == 0) {
      return;
    }
    List<ScoringSubject> offers = new ArrayList<>(w.count);
    for (int k = 0; k < w.count; k++) {
      offers.add(w.candidates[w.alive[k]]);
    }
    double[] scores;
    try {
      scores = w.runtime.external().score(model, w.data, offers);
    } catch (RuntimeException e) {
      scores = null;
    }
    for (int k = 0; k < w.count; k++) {
      int i = w.alive[k];
      set(
          w,
          i,
          scores != null && k < scores.length ? scores[k] : Double.NaN,
          model,
          scores == null ? FallbackCause.EXTERNAL_FAILED : FallbackCause.EXTERNAL_UNSCORED);
    }
  }

  /**
   * Candidate {@code i}'s propensity {@code p}, or the model's fallback score, flagged with {@code
   * cause}.
   */
  private static void set(
      DecisionWork w, int i, double p, ScoringModel model, FallbackCause cause) {
    if (valid(p)) {
      w.propensity[i] = p;
      w.modelScored = true;
    } else {
      w.propensity[i] = model.fallbackScore();
      w.fallBack(i, cause);
    }
  }

  /** Every candidate still in the running gets the model's fallback score, for {@code cause}. */
  private static void fallBackAll(DecisionWork w, ScoringModel model, FallbackCause cause) {
    for (int k = 0; k < w.count; k++) {
      int i = w.alive[k];
      w.propensity[i] = model.fallbackScore();
      w.fallBack(i, cause);
    }
  }

  private static double score(
      ScoringModel model, Offer offer, DecisionWork w, ModelState state, SeededRandom random) {
    try {
      return model.score(offer, w.data, state, random);
    } catch (RuntimeException e) {
      // A model error of any kind falls back; the decision goes on, and the breaker is told.
      w.modelFailed = true;
      w.raised = true;
      if (w.modelError == null) {
        String message = String.valueOf(e.getMessage());
        w.modelError =
            e.getClass().getSimpleName()
                + ": "
                + (message.length() > 300 ? message.substring(0, 300) + "…" : message);
      }
      return Double.NaN;
    }
  }

  private static boolean valid(double p) {
    return p >= 0 && p <= 1;
  }

  private static void fill(DecisionWork w, double p, boolean fallback) {
    for (int k = 0; k < w.count; k++) {
      int i = w.alive[k];
      w.propensity[i] = p;
      w.fallback[i] = fallback;
    }
  }
}
