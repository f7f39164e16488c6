package dev.arbiter.engine.trace;

/**
 * The factors and final score of one offer that reached scoring. Every factor is in [0, 1].
 *
 * @param offerKey the offer's key
 * @param propensity the model's propensity (or the fallback score when {@code fallback})
 * @param fallback true when the propensity is the model's fallback score (model error or model
 *     marked unavailable)
 * @param relevance the relevance factor
 * @param value the value factor
 * @param priority the priority factor
 * @param score the final arbitration score in [0, 1]; 0 for an offer eliminated by a zero factor
 * @param eliminated true when arbitration removed the offer because a factor with a positive weight
 *     was zero
 * @param fallbackReason why the propensity is the fallback score ({@code model_unavailable}, {@code
 *     model_error: …} with the error, {@code no_score}, {@code external_failed}, {@code
 *     external_unscored}, each with a sentence); null when it is not
 */
public record OfferScore(
    String offerKey,
    double propensity,
    boolean fallback,
    double relevance,
    double value,
    double priority,
    double score,
    boolean eliminated,
    String fallbackReason) {}
