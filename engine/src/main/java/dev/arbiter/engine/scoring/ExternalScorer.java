package dev.arbiter.engine.scoring;

import java.util.List;
import java.util.Map;

/**
 * Asks an {@link ExternalModel}'s service for the propensities of one decision's offers. Supplied
 * by the caller (the server calls the model's URL); must be thread-safe.
 */
@FunctionalInterface
public interface ExternalScorer {

  /** Scores nothing: every call fails, so every offer gets the model's fallback score. */
  ExternalScorer NONE =
      (model, data, offers) -> {
        throw new IllegalStateException("no scorer for external models is configured");
      };

  /**
   * The propensities of {@code offers}, in their order; NaN for an offer the service did not score.
   *
   * @param data the decision data: {@code customer} (the request's attributes) and {@code request}
   *     ({@code channel}, {@code placement}, {@code context}), as rules see them
   * @param offers the offers still in the running, at least one
   * @throws RuntimeException when the call failed or took too long: every offer falls back
   */
  double[] score(ExternalModel model, Map<String, ?> data, List<ScoringSubject> offers);
}
