package dev.arbiter.engine.scoring;

/**
 * A Beta posterior: {@code alpha} and {@code beta} including the prior (a fresh entry equals the
 * model's prior).
 *
 * @param alpha positive and finite
 * @param beta positive and finite
 */
public record BetaCounts(double alpha, double beta) {
  public BetaCounts {
    if (!(alpha > 0) || !(beta > 0) || Double.isInfinite(alpha) || Double.isInfinite(beta)) {
      throw new IllegalArgumentException(
          "alpha and beta must be positive and finite: " + alpha + ", " + beta);
    }
  }

  /** The posterior mean {@code alpha / (alpha + beta)}. */
  public double mean() {
    return alpha / (alpha + beta);
  }
}
