package dev.arbiter.engine.scoring;

/**
 * A small, fast, reproducible random source (SplitMix64) with the draws the models need: uniform,
 * Gaussian, Gamma (Marsaglia–Tsang) and Beta (two Gamma draws). The same seed gives the same
 * sequence on every JVM. Not thread-safe: one instance per decision, reseeded per offer so an
 * offer's draws do not depend on which other offers were scored.
 */
public final class SeededRandom {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;
  private long state;

  public SeededRandom(long seed) {
    this.state = seed;
  }

  /** Restarts the sequence from {@code seed}. */
  public void reseed(long seed) {
    this.state = seed;
  }

  /** Combines two 64-bit values into a well-mixed seed (order matters). */
  public static long mix(long a, long b) {
    return mix64(a * GOLDEN + mix64(b));
  }

  /**
   * A stable 64-bit hash of a string (FNV-1a over its UTF-16 code units, then mixed): unlike {@link
   * String#hashCode()} it spreads keys over 64 bits.
   */
  public static long hash(String text) {
    long h = 0xCBF29CE484222325L;
    for (int i = 0; i < text.length(); i++) {
      h ^= text.charAt(i);
      h *= 0x100000001B3L;
    }
    return mix64(h);
  }

  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** The next 64 random bits. */
  public long nextLong() {
    state += GOLDEN;
    return mix64(state);
  }

  /** Uniform in [0, 1). */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /**
   * Standard normal by the ziggurat method of Marsaglia and Tsang (2000), with 128 boxes; the box
   * index and the value come from separate bits of one 64-bit draw.
   */
  public double nextGaussian() {
    while (true) {
      long bits = nextLong();
      int box = (int) (bits & 127);
      int hz = (int) (bits >>> 32);
      if (Math.abs((long) hz) < ZIGGURAT_K[box]) {
        return hz * ZIGGURAT_W[box];
      }
      double x = hz * ZIGGURAT_W[box];
      if (box == 0) {
        // The tail beyond R, sampled exactly (Marsaglia 1964).
        double tail;
        double y;
        do {
          tail = -Math.log(1 - nextDouble()) / ZIGGURAT_R;
          y = -Math.log(1 - nextDouble());
        } while (y + y < tail * tail);
        return hz > 0 ? ZIGGURAT_R + tail : -ZIGGURAT_R - tail;
      }
      double f0 = ZIGGURAT_F[box];
      if (f0 + nextDouble() * (ZIGGURAT_F[box - 1] - f0) < Math.exp(-0.5 * x * x)) {
        return x;
      }
    }
  }

  private static final double ZIGGURAT_R = 3.442619855899;
  private static final long[] ZIGGURAT_K = new long[128];
  private static final double[] ZIGGURAT_W = new double[128];
  private static final double[] ZIGGURAT_F = new double[128];

  static {
    double m1 = 2147483648.0;
    double dn = ZIGGURAT_R;
    double tn = dn;
    double vn = 9.91256303526217e-3;
    double q = vn / Math.exp(-0.5 * dn * dn);
    ZIGGURAT_K[0] = (long) ((dn / q) * m1);
    ZIGGURAT_K[1] = 0;
    ZIGGURAT_W[0] = q / m1;
    ZIGGURAT_W[127] = dn / m1;
    ZIGGURAT_F[0] = 1.0;
    ZIGGURAT_F[127] = Math.exp(-0.5 * dn * dn);
    for (int i = 126; i >= 1; i--) {
      dn = Math.sqrt(-2 * Math.log(vn / dn + Math.exp(-0.5 * dn * dn)));
      ZIGGURAT_K[i + 1] = (long) ((dn / tn) * m1);
      tn = dn;
      ZIGGURAT_F[i] = Math.exp(-0.5 * dn * dn);
      ZIGGURAT_W[i] = dn / m1;
    }
  }

  /**
   * Gamma(shape, 1) by Marsaglia and Tsang (2000); shapes below 1 use the boost {@code Gamma(a+1) *
   * U^(1/a)}.
   *
   * @param shape positive and finite
   */
  public double nextGamma(double shape) {
    if (!(shape > 0) || Double.isInfinite(shape)) {
      throw new IllegalArgumentException("shape must be positive and finite: " + shape);
    }
    if (shape < 1) {
      double u = nextDouble();
      return nextGamma(shape + 1) * Math.pow(u, 1 / shape);
    }
    double d = shape - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double x;
      double v;
      do {
        x = nextGaussian();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      double u = nextDouble();
      double x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2) {
        return d * v;
      }
      if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) {
        return d * v;
      }
    }
  }

  /**
   * The logarithm of the draw {@link #nextGamma} makes (the same random numbers, in the same
   * order), which does not underflow: for a shape below 1, {@code U^(1/a)} is 0 in doubles for most
   * {@code U} once {@code a} is small (below about 0.0015 for half the draws).
   */
  double nextLogGamma(double shape) {
    if (!(shape > 0) || Double.isInfinite(shape)) {
      throw new IllegalArgumentException("shape must be positive and finite: " + shape);
    }
    if (shape < 1) {
      double u = nextDouble();
      return nextLogGamma(shape + 1) + Math.log(u) / shape;
    }
    return Math.log(nextGamma(shape));
  }

  /**
   * Beta(alpha, beta) as {@code X / (X + Y)} with {@code X ~ Gamma(alpha)}, {@code Y ~
   * Gamma(beta)}; computed from the gammas' logarithms when a shape is below 1, where both gammas
   * could underflow to 0 (which read as 0.5, while such a Beta is almost always near 0 or 1).
   *
   * @param alpha positive and finite
   * @param beta positive and finite
   * @return a draw in [0, 1]
   */
  public double nextBeta(double alpha, double beta) {
    if (alpha >= 1 && beta >= 1) {
      double x = nextGamma(alpha);
      double y = nextGamma(beta);
      double sum = x + y;
      return sum == 0 ? 0.5 : x / sum;
    }
    double logX = nextLogGamma(alpha);
    double logY = nextLogGamma(beta);
    double d = logY - logX;
    // X / (X + Y) = 1 / (1 + Y / X); both -∞ (a uniform draw of exactly 0 on each side): 0.5
    return Double.isNaN(d) ? 0.5 : 1 / (1 + Math.exp(d));
  }
}
