package dev.arbiter.scoring;

import java.util.List;

/**
 * The stored evidence of one model: Beta increments per level and key, and naive Bayes bin counts.
 * Turned into engine state with the model's current definition.
 */
public record ModelEvidence(List<Beta> beta, List<Bin> bins) {
  /** Summed increments of one posterior; {@code key} is empty for the global level. */
  public record Beta(String level, String key, double alpha, double beta) {}

  /** Counts of one bin of one predictor of one offer; predictor "" and bin -1 are the totals. */
  public record Bin(String offerKey, String predictor, int bin, long positives, long negatives) {}

  public static final ModelEvidence NONE = new ModelEvidence(List.of(), List.of());
}
