package dev.arbiter.engine.scoring;

import java.util.Arrays;

/**
 * Positive and negative outcome counts of one offer's naive Bayes model: totals, and per predictor
 * the count in each bin. Immutable: arrays are copied in and never handed out.
 */
public final class NaiveBayesCounts {
  private final long positives;
  private final long negatives;
  private final long[][] binPositives;
  private final long[][] binNegatives;
  // per predictor, its bins' sums: the outcomes that predictor has evidence of
  private final long[] predictorPositives;
  private final long[] predictorNegatives;

  /**
   * @param positives total positive outcomes
   * @param negatives total negative outcomes
   * @param binPositives per predictor (model order), per bin (see {@link
   *     NaiveBayesModel.Predictor#binCount()}), positive counts
   * @param binNegatives the same shape, negative counts
   */
  public NaiveBayesCounts(
      long positives, long negatives, long[][] binPositives, long[][] binNegatives) {
    if (binPositives.length != binNegatives.length) {
      throw new IllegalArgumentException("positive and negative bins differ in shape");
    }
    this.positives = positives;
    this.negatives = negatives;
    this.binPositives = deepCopy(binPositives);
    this.binNegatives = deepCopy(binNegatives);
    this.predictorPositives = new long[binPositives.length];
    this.predictorNegatives = new long[binPositives.length];
    for (int p = 0; p < binPositives.length; p++) {
      if (binPositives[p].length != binNegatives[p].length) {
        throw new IllegalArgumentException("positive and negative bins differ in shape");
      }
      for (int b = 0; b < binPositives[p].length; b++) {
        predictorPositives[p] += binPositives[p][b];
        predictorNegatives[p] += binNegatives[p][b];
      }
    }
  }

  /** Empty counts shaped for {@code model}. */
  public static NaiveBayesCounts empty(NaiveBayesModel model) {
    long[][] shape = new long[model.predictors().size()][];
    for (int p = 0; p < shape.length; p++) {
      shape[p] = new long[model.predictors().get(p).binCount()];
    }
    return new NaiveBayesCounts(0, 0, shape, shape);
  }

  public long positives() {
    return positives;
  }

  public long negatives() {
    return negatives;
  }

  public int predictorCount() {
    return binPositives.length;
  }

  public int binCount(int predictor) {
    return binPositives[predictor].length;
  }

  public long binPositives(int predictor, int bin) {
    return binPositives[predictor][bin];
  }

  public long binNegatives(int predictor, int bin) {
    return binNegatives[predictor][bin];
  }

  /**
   * The positive outcomes in {@code predictor}'s bins: {@link #positives()}, unless the predictor
   * was added or re-binned after outcomes were counted (its bins start again from zero while the
   * totals stay).
   */
  public long predictorPositives(int predictor) {
    return predictorPositives[predictor];
  }

  /** The negative outcomes in {@code predictor}'s bins: see {@link #predictorPositives}. */
  public long predictorNegatives(int predictor) {
    return predictorNegatives[predictor];
  }

  /** Whether these counts have the predictors and bins of {@code model}. */
  public boolean fits(NaiveBayesModel model) {
    if (binPositives.length != model.predictors().size()) {
      return false;
    }
    for (int p = 0; p < binPositives.length; p++) {
      if (binPositives[p].length != model.predictors().get(p).binCount()) {
        return false;
      }
    }
    return true;
  }

  /** These counts plus one outcome in the given bins (one bin per predictor). */
  public NaiveBayesCounts plus(int[] bins, boolean positive) {
    long[][] pos = deepCopy(binPositives);
    long[][] neg = deepCopy(binNegatives);
    for (int p = 0; p < bins.length; p++) {
      if (positive) {
        pos[p][bins[p]]++;
      } else {
        neg[p][bins[p]]++;
      }
    }
    return new NaiveBayesCounts(
        positives + (positive ? 1 : 0), negatives + (positive ? 0 : 1), pos, neg);
  }

  private static long[][] deepCopy(long[][] source) {
    long[][] copy = new long[source.length][];
    for (int i = 0; i < source.length; i++) {
      copy[i] = source[i].clone();
    }
    return copy;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NaiveBayesCounts other
        && other.positives == positives
        && other.negatives == negatives
        && Arrays.deepEquals(other.binPositives, binPositives)
        && Arrays.deepEquals(other.binNegatives, binNegatives);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(positives) * 31
        + Long.hashCode(negatives)
        + Arrays.deepHashCode(binPositives);
  }

  @Override
  public String toString() {
    return "NaiveBayesCounts[positives="
        + positives
        + ", negatives="
        + negatives
        + ", binPositives="
        + Arrays.deepToString(binPositives)
        + ", binNegatives="
        + Arrays.deepToString(binNegatives)
        + "]";
  }
}
