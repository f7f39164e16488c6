package dev.arbiter.engine.arbitration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ArbitrationProfileTests {

  @Test
  void shouldComputePrieAsAWeightedGeometricMean() {
    ArbitrationProfile prie = new ArbitrationProfile("p", Formula.PRIE, 2, 1, 1, 0, null);

    assertThat(prie.score(0.5, 0.8, 0.2, 0.0))
        .isCloseTo(Math.pow(0.5 * 0.5 * 0.8 * 0.2, 1 / 4.0), within(1e-12));
    assertThat(prie.score(0, 0.8, 0.2, 0.5)).isZero();
    assertThat(prie.eliminates(0, 0)).isFalse();
    assertThat(prie.eliminates(0, 0.1)).isTrue();
  }

  @Test
  void shouldComputeAWeightedSum() {
    ArbitrationProfile sum = new ArbitrationProfile("s", Formula.WEIGHTED_SUM, 1, 1, 2, 0, null);

    assertThat(sum.score(0.5, 0.0, 0.25, 1)).isCloseTo((0.5 + 0 + 0.5) / 4, within(1e-12));
    assertThat(sum.eliminatesStatic(0, 0, 0)).isFalse();
  }

  @Test
  void shouldUseTheDocumentedDefault() {
    assertThat(ArbitrationProfile.DEFAULT)
        .isEqualTo(new ArbitrationProfile("default", Formula.PRIE, 0.4, 0.2, 0.3, 0.1, null));
  }

  @Test
  void shouldRefuseInvalidWeights() {
    assertThatThrownBy(() -> new ArbitrationProfile("x", Formula.PRIE, -1, 1, 1, 1, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ArbitrationProfile("x", Formula.PRIE, 0, 0, 0, 0, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ArbitrationProfile("x", Formula.PRIE, 1, 0, 0, 0, 0.0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldTurnOfferFieldsIntoFactors() {
    assertThat(Factors.monetaryValue(100.0, 30.0, 5.0)).isEqualTo(30.0);
    assertThat(Factors.monetaryValue(100.0, null, 5.0)).isEqualTo(95.0);
    assertThat(Factors.monetaryValue(100.0, null, null)).isEqualTo(100.0);
    assertThat(Factors.monetaryValue(null, null, 5.0)).isNull();
    assertThat(Factors.value(50.0, 200)).isEqualTo(0.25);
    assertThat(Factors.value(500.0, 200)).isEqualTo(1.0);
    assertThat(Factors.value(null, 200)).isZero();
    assertThat(Factors.value(-3.0, 200)).isZero();
    assertThat(Factors.value(null, 0)).isEqualTo(1.0);
    assertThat(Factors.priority(75)).isEqualTo(0.75);
    assertThat(Factors.relevance(1.7)).isEqualTo(1.0);
    assertThat(Factors.relevance("high")).isNaN();
  }
}
