package dev.arbiter.engine.scoring;

import java.util.Map;

/**
 * Naive Bayes counts per offer key. An offer without an entry has no evidence (propensity 0.5).
 *
 * @param offers counts per offer key; copied, never null
 */
public record NaiveBayesState(Map<String, NaiveBayesCounts> offers) implements ModelState {
  /** No evidence for any offer. */
  public static final NaiveBayesState EMPTY = new NaiveBayesState(Map.of());

  public NaiveBayesState {
    offers = Map.copyOf(offers);
  }
}
