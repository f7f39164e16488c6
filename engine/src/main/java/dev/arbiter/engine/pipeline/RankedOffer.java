package dev.arbiter.engine.pipeline;

import java.util.Map;

/**
 * One returned offer.
 *
 * @param rank 1 for the best
 * @param offerKey the offer's key
 * @param offerId the offer's id, may be null
 * @param name the offer's name
 * @param score the arbitration score in [0, 1]
 * @param propensity the propensity in [0, 1]
 * @param fallback whether the propensity is the model's fallback score
 * @param content the offer's content, unmodifiable
 */
public record RankedOffer(
    int rank,
    String offerKey,
    String offerId,
    String name,
    double score,
    double propensity,
    boolean fallback,
    Map<String, Object> content) {

  /** This offer at another rank (when offers ahead of it were dropped). */
  public RankedOffer withRank(int newRank) {
    return newRank == rank
        ? this
        : new RankedOffer(newRank, offerKey, offerId, name, score, propensity, fallback, content);
  }
}
