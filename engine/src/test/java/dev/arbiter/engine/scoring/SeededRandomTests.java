package dev.arbiter.engine.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SeededRandomTests {

  @Test
  void shouldRepeatTheSameSequenceForTheSameSeed() {
    SeededRandom a = new SeededRandom(7);
    SeededRandom b = new SeededRandom(7);
    for (int i = 0; i < 100; i++) {
      assertThat(a.nextBeta(2, 5)).isEqualTo(b.nextBeta(2, 5));
    }
    a.reseed(7);
    b.reseed(8);
    assertThat(a.nextLong()).isNotEqualTo(b.nextLong());
  }

  @Test
  void shouldDrawUniformsInTheUnitInterval() {
    SeededRandom random = new SeededRandom(1);
    double sum = 0;
    for (int i = 0; i < 100_000; i++) {
      double u = random.nextDouble();
      assertThat(u).isBetween(0.0, 1.0).isLessThan(1.0);
      sum += u;
    }
    assertThat(sum / 100_000).isCloseTo(0.5, within(0.01));
  }

  @Test
  void shouldDrawGammaWithTheRightMeanAndVarianceForLargeAndSmallShapes() {
    for (double shape : new double[] {0.3, 1, 2.5, 40}) {
      SeededRandom random = new SeededRandom(99);
      int n = 200_000;
      double sum = 0;
      double sumSq = 0;
      for (int i = 0; i < n; i++) {
        double x = random.nextGamma(shape);
        assertThat(x).isGreaterThanOrEqualTo(0);
        sum += x;
        sumSq += x * x;
      }
      double mean = sum / n;
      double variance = sumSq / n - mean * mean;
      assertThat(mean).as("mean of Gamma(%s)", shape).isCloseTo(shape, within(0.03 * shape + 0.01));
      assertThat(variance)
          .as("variance of Gamma(%s)", shape)
          .isCloseTo(shape, within(0.06 * shape + 0.01));
    }
  }

  @Test
  void shouldDrawBetaWithTheRightMeanAndVariance() {
    double a = 3;
    double b = 9;
    SeededRandom random = new SeededRandom(5);
    int n = 200_000;
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < n; i++) {
      double x = random.nextBeta(a, b);
      assertThat(x).isBetween(0.0, 1.0);
      sum += x;
      sumSq += x * x;
    }
    double mean = sum / n;
    double variance = sumSq / n - mean * mean;
    assertThat(mean).isCloseTo(a / (a + b), within(0.003));
    assertThat(variance).isCloseTo(a * b / ((a + b) * (a + b) * (a + b + 1)), within(0.001));
  }

  /**
   * Beta(0.001, 0.001) is almost always within a hair of 0 or 1 (half its mass each side). Its
   * gammas underflow to 0 in doubles for about a fifth of the draws, which read as exactly 0.5.
   */
  @Test
  void shouldDrawBetasOfTinyShapesNearZeroOrOneNotAtOneHalf() {
    SeededRandom random = new SeededRandom(7);
    int n = 100_000;
    int atHalf = 0;
    int nearEdges = 0;
    int nearZero = 0;
    for (int i = 0; i < n; i++) {
      double x = random.nextBeta(0.001, 0.001);
      assertThat(x).isBetween(0.0, 1.0);
      if (x == 0.5) {
        atHalf++;
      }
      if (x < 0.01 || x > 0.99) {
        nearEdges++;
      }
      if (x < 0.5) {
        nearZero++;
      }
    }
    assertThat(atHalf).isZero();
    // P(0.01 <= X <= 0.99) for Beta(0.001, 0.001) is about 0.001 * ln(99 * 99) ≈ 0.009
    assertThat(nearEdges).isGreaterThan((int) (0.98 * n));
    assertThat(nearZero / (double) n).isCloseTo(0.5, within(0.01));
    // a shape below 1 beside one above: the mean still holds (Beta(0.5, 2): 0.2)
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += random.nextBeta(0.5, 2);
    }
    assertThat(sum / n).isCloseTo(0.2, within(0.003));
  }

  @Test
  void shouldHashKeysStablyAcrossRuns() {
    assertThat(SeededRandom.hash("gold-card")).isEqualTo(SeededRandom.hash("gold-card"));
    assertThat(SeededRandom.hash("gold-card")).isNotEqualTo(SeededRandom.hash("gold-cart"));
    assertThat(SeededRandom.mix(1, 2)).isNotEqualTo(SeededRandom.mix(2, 1));
  }

  @Test
  void shouldDrawStandardNormalsWithTheRightMomentsAndTails() {
    SeededRandom random = new SeededRandom(12345);
    int n = 1_000_000;
    double sum = 0;
    double sumSq = 0;
    double sumFourth = 0;
    int beyondOne = 0;
    int beyondTail = 0;
    for (int i = 0; i < n; i++) {
      double x = random.nextGaussian();
      sum += x;
      sumSq += x * x;
      sumFourth += x * x * x * x;
      if (Math.abs(x) > 1) {
        beyondOne++;
      }
      if (Math.abs(x) > 3.442619855899) {
        beyondTail++;
      }
    }
    assertThat(sum / n).isCloseTo(0, within(0.005));
    assertThat(sumSq / n).isCloseTo(1, within(0.01));
    assertThat(sumFourth / n).as("kurtosis").isCloseTo(3, within(0.05));
    assertThat(beyondOne / (double) n).isCloseTo(0.31731, within(0.002));
    assertThat(beyondTail / (double) n).as("tail mass").isCloseTo(0.000576, within(0.00015));
  }
}
