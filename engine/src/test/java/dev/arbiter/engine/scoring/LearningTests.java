package dev.arbiter.engine.scoring;

import static dev.arbiter.engine.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LearningTests {
  private final ThompsonModel thompson = new ThompsonModel("ts", 0.1, 1, 1, 10);

  @Test
  void shouldFoldThompsonOutcomesAtOfferCategoryAndGlobalLevel() {
    ThompsonState once =
        Learning.thompson(thompson, null, "gold-card", "cards", OutcomeClass.POSITIVE);
    ThompsonState twice =
        Learning.thompson(thompson, once, "silver-card", "cards", OutcomeClass.NEGATIVE);

    assertThat(once.offers()).containsEntry("gold-card", new BetaCounts(2, 1));
    assertThat(twice.offers())
        .containsEntry("gold-card", new BetaCounts(2, 1))
        .containsEntry("silver-card", new BetaCounts(1, 2));
    assertThat(twice.categories()).containsEntry("cards", new BetaCounts(2, 2));
    assertThat(twice.global()).isEqualTo(new BetaCounts(2, 2));
    assertThat(once.offers()).doesNotContainKey("silver-card");
    assertThat(Learning.thompson(thompson, twice, "x", null, OutcomeClass.NEUTRAL)).isSameAs(twice);
  }

  @Test
  void shouldListTheIncrementsSoTheCallerCanApplyThemAtomically() {
    assertThat(Learning.thompsonIncrements("gold-card", "cards", OutcomeClass.POSITIVE))
        .containsExactly(
            new Learning.BetaIncrement(Learning.Level.OFFER, "gold-card", 1, 0),
            new Learning.BetaIncrement(Learning.Level.CATEGORY, "cards", 1, 0),
            new Learning.BetaIncrement(Learning.Level.GLOBAL, null, 1, 0));
    assertThat(Learning.thompsonIncrements("loan", null, OutcomeClass.NEGATIVE))
        .containsExactly(
            new Learning.BetaIncrement(Learning.Level.OFFER, "loan", 0, 1),
            new Learning.BetaIncrement(Learning.Level.GLOBAL, null, 0, 1));
    assertThat(Learning.thompsonIncrements("loan", null, OutcomeClass.NEUTRAL)).isEmpty();
  }

  @Test
  void shouldFoldNaiveBayesOutcomesIntoTheCustomersBins() {
    NaiveBayesModel model =
        new NaiveBayesModel(
            "nb",
            0.1,
            List.of(
                new NaiveBayesModel.Predictor(
                    "age", FeaturePath.of("customer.age"), true, List.of(25.0, 40.0), List.of()),
                new NaiveBayesModel.Predictor(
                    "tier", FeaturePath.of("customer.tier"), false, List.of(), List.of("gold"))));
    Map<String, Object> data = Map.of("customer", json("{'age': 30, 'tier': 'gold'}"));

    NaiveBayesState state =
        Learning.naiveBayes(model, null, "gold-card", data, OutcomeClass.POSITIVE);
    state =
        Learning.naiveBayes(
            model,
            state,
            "gold-card",
            Map.of("customer", json("{'age': 50}")),
            OutcomeClass.NEGATIVE);

    NaiveBayesCounts counts = state.offers().get("gold-card");
    assertThat(counts.positives()).isEqualTo(1);
    assertThat(counts.negatives()).isEqualTo(1);
    assertThat(counts.binPositives(0, 1)).isEqualTo(1);
    assertThat(counts.binPositives(1, 0)).isEqualTo(1);
    assertThat(counts.binNegatives(0, 2)).isEqualTo(1);
    assertThat(counts.binNegatives(1, 2)).isEqualTo(1);
    assertThat(Learning.naiveBayesIncrements(model, "gold-card", data, OutcomeClass.POSITIVE))
        .containsExactly(
            new Learning.BinIncrement("gold-card", 0, "age", 1, true),
            new Learning.BinIncrement("gold-card", 1, "tier", 0, true));
    assertThat(model.score(() -> "gold-card", data, state, null)).isGreaterThan(0.5);
  }

  @Test
  void shouldConvergeOnTheBestOfSeveralSimulatedOffers() {
    double[] trueRates = {0.02, 0.05, 0.08, 0.12, 0.04};
    String[] offers = {"o0", "o1", "o2", "o3", "o4"};
    ThompsonModel model = new ThompsonModel("ts", 0.1, 1, 1, 0);
    ThompsonState state = ThompsonState.EMPTY;
    SeededRandom world = new SeededRandom(2024);
    SeededRandom sampler = new SeededRandom(0);
    int[] shown = new int[offers.length];
    int rounds = 20_000;
    int lastQuarterBest = 0;
    for (int round = 0; round < rounds; round++) {
      int chosen = 0;
      double best = -1;
      for (int i = 0; i < offers.length; i++) {
        String key = offers[i];
        sampler.reseed(SeededRandom.mix(round, SeededRandom.hash(key)));
        double draw = model.score(subject(key), Map.of(), state, sampler);
        if (draw > best) {
          best = draw;
          chosen = i;
        }
      }
      shown[chosen]++;
      if (round >= rounds * 3 / 4 && chosen == 3) {
        lastQuarterBest++;
      }
      boolean converted = world.nextDouble() < trueRates[chosen];
      state =
          Learning.thompson(
              model,
              state,
              offers[chosen],
              null,
              converted ? OutcomeClass.POSITIVE : OutcomeClass.NEGATIVE);
    }

    assertThat(shown[3]).as("the best offer is shown most").isEqualTo(max(shown));
    assertThat(lastQuarterBest)
        .as("late rounds pick the best offer")
        .isGreaterThan(rounds / 4 * 8 / 10);
    assertThat(state.offers().get("o3").mean()).isBetween(0.10, 0.14);
  }

  private static ScoringSubject subject(String key) {
    return () -> key;
  }

  private static int max(int[] values) {
    int m = Integer.MIN_VALUE;
    for (int v : values) {
      m = Math.max(m, v);
    }
    return m;
  }
}
