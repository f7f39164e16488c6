package dev.arbiter.engine.pipeline;

import static dev.arbiter.engine.Fixtures.catalog;
import static dev.arbiter.engine.Fixtures.flow;
import static dev.arbiter.engine.Fixtures.model;
import static dev.arbiter.engine.Fixtures.offer;
import static dev.arbiter.engine.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.engine.DecisionEngine;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.scoring.BetaCounts;
import dev.arbiter.engine.scoring.ExternalScorer;
import dev.arbiter.engine.scoring.NaiveBayesState;
import dev.arbiter.engine.scoring.ScoringSubject;
import dev.arbiter.engine.scoring.ThompsonState;
import dev.arbiter.engine.trace.OfferScore;
import dev.arbiter.engine.trace.Stage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Scenario tests of the scoring stage: models, fallbacks and seeds. */
class ScoringStageTests {
  private final DecisionEngine engine = new DecisionEngine();

  private final CatalogSnapshot snapshot =
      catalog()
          .offers(offer("a").category("cards"), offer("b").category("cards"), offer("c"))
          .models(
              model("ts", "thompson", "{'prior': {'alpha': 1, 'beta': 1}, 'minEvidence': 5}", 0.05),
              model("lr", "logistic", "{'intercept': 0, 'weights': {'customer.age': 0.1}}", 0.07),
              model(
                  "card",
                  "scorecard",
                  "{'baseScore': 0, 'conditions': [{'name': 'adult', 'attribute': 'customer.age', 'op': '>=', 'value': 18, 'points': 1}]}",
                  0.2),
              model(
                  "nb",
                  "naive_bayes",
                  "{'predictors': [{'name': 'age', 'type': 'numeric', 'bins': [30]}]}",
                  0.3),
              model("ext", "external", "{'url': 'http://scoring.test/score'}", 0.11))
          .flows(
              flow("none").route("web", "none").offers("a", "b", "c"),
              flow("ts").route("web", "ts").offers("a", "b", "c").model("ts"),
              flow("lr").route("web", "lr").offers("a", "b", "c").model("lr"),
              flow("card").route("web", "card").offers("a", "b", "c").model("card"),
              flow("nb").route("web", "nb").offers("a", "b", "c").model("nb"),
              flow("ext").route("web", "ext").offers("a", "b", "c").model("ext"))
          .build();

  private Decision decide(String flow, String attributes, RuntimeState runtime, long seed) {
    return engine.decide(
        snapshot,
        request().flowKey(flow).attributes(attributes).seed(seed).build(),
        CustomerState.NONE,
        runtime);
  }

  private static List<OfferScore> scores(Decision decision) {
    return decision.trace().scores();
  }

  @Test
  void shouldGiveEveryOfferHalfWithoutAModel() {
    Decision decision = decide("none", "{}", RuntimeState.NONE, 1);

    assertThat(scores(decision))
        .extracting(OfferScore::propensity, OfferScore::fallback)
        .containsOnly(org.assertj.core.groups.Tuple.tuple(0.5, false));
  }

  @Test
  void shouldFallBackForEveryOfferWhenTheModelIsUnavailable() {
    Decision decision =
        decide(
            "ts", "{}", new RuntimeState(BudgetCounters.NONE, ModelStates.NONE, Set.of("ts")), 1);

    assertThat(scores(decision))
        .extracting(OfferScore::propensity, OfferScore::fallback)
        .containsOnly(org.assertj.core.groups.Tuple.tuple(0.05, true));
    assertThat(decision.offers()).allMatch(RankedOffer::fallback);
    assertThat(scores(decision))
        .extracting(OfferScore::fallbackReason)
        .containsOnly("model_unavailable: the model's circuit breaker is open");
  }

  @Test
  void shouldFallBackWhenTheModelFailsForTheCustomer() {
    Decision failing = decide("lr", "{'age': 'unknown'}", RuntimeState.NONE, 1);
    Decision working = decide("lr", "{'age': 20}", RuntimeState.NONE, 1);

    assertThat(scores(failing)).allMatch(s -> s.fallback() && s.propensity() == 0.07);
    assertThat(scores(working))
        .allMatch(s -> !s.fallback() && Math.abs(s.propensity() - 1 / (1 + Math.exp(-2))) < 1e-12);
    assertThat(scores(failing)).allMatch(s -> s.fallbackReason().startsWith("no_score: "));
    assertThat(scores(working)).allMatch(s -> s.fallbackReason() == null);
    // a feature the customer lacks is no failure of the model, nor a success for its breaker
    assertThat(failing.modelFailed()).isFalse();
    assertThat(failing.modelScored()).isFalse();
    assertThat(working.modelFailed()).isFalse();
    assertThat(working.modelScored()).isTrue();
  }

  @Test
  void shouldAskAnExternalModelOnceForEveryOfferAndFallBackForWhatItDidNotScore() {
    List<List<String>> asked = new ArrayList<>();
    List<Object> customers = new ArrayList<>();
    ExternalScorer scorer =
        (model, data, offers) -> {
          asked.add(offers.stream().map(ScoringSubject::key).toList());
          customers.add(data.get("customer"));
          assertThat(model.key()).isEqualTo("ext");
          assertThat(offers.get(0).fields().get("category")).isEqualTo("cards");
          // a scored, b unscored (NaN), c out of range
          return new double[] {0.9, Double.NaN, 1.5};
        };
    Decision decision =
        decide(
            "ext",
            "{'age': 41}",
            new RuntimeState(BudgetCounters.NONE, ModelStates.NONE, Set.of(), scorer),
            1);

    assertThat(asked).containsExactly(List.of("a", "b", "c"));
    assertThat(customers).containsExactly(Map.of("age", 41));
    assertThat(scores(decision))
        .extracting(OfferScore::offerKey, OfferScore::propensity, OfferScore::fallback)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("a", 0.9, false),
            org.assertj.core.groups.Tuple.tuple("b", 0.11, true),
            org.assertj.core.groups.Tuple.tuple("c", 0.11, true));
  }

  @Test
  void shouldFallBackForEveryOfferWhenTheExternalModelFailsIsMissingOrUnavailable() {
    ExternalScorer failing =
        (model, data, offers) -> {
          throw new IllegalStateException("the service answered 503");
        };
    ExternalScorer tooFew = (model, data, offers) -> new double[] {0.4};
    List<String> calls = new ArrayList<>();
    ExternalScorer counting =
        (model, data, offers) -> {
          calls.add(model.key());
          return new double[] {0.4, 0.4, 0.4};
        };

    assertThat(
            scores(
                decide(
                    "ext",
                    "{}",
                    new RuntimeState(BudgetCounters.NONE, ModelStates.NONE, Set.of(), failing),
                    1)))
        .allMatch(
            s ->
                s.fallback()
                    && s.propensity() == 0.11
                    && s.fallbackReason().startsWith("external_failed: "));
    assertThat(scores(decide("ext", "{}", RuntimeState.NONE, 1)))
        .allMatch(s -> s.fallback() && s.propensity() == 0.11);
    assertThat(
            scores(
                decide(
                    "ext",
                    "{}",
                    new RuntimeState(BudgetCounters.NONE, ModelStates.NONE, Set.of(), tooFew),
                    1)))
        .extracting(OfferScore::fallback, s -> String.valueOf(s.fallbackReason()).split(":")[0])
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(false, "null"),
            org.assertj.core.groups.Tuple.tuple(true, "external_unscored"),
            org.assertj.core.groups.Tuple.tuple(true, "external_unscored"));
    // an open breaker: the service is not called at all
    assertThat(
            scores(
                decide(
                    "ext",
                    "{}",
                    new RuntimeState(
                        BudgetCounters.NONE, ModelStates.NONE, Set.of("ext"), counting),
                    1)))
        .allMatch(s -> s.fallback() && s.propensity() == 0.11);
    assertThat(calls).isEmpty();
  }

  @Test
  void shouldFallBackWhenGivenStateOfAnotherModelType() {
    Decision decision =
        decide(
            "ts",
            "{}",
            new RuntimeState(
                BudgetCounters.NONE, ModelStates.of(Map.of("ts", NaiveBayesState.EMPTY)), null),
            1);

    assertThat(scores(decision)).allMatch(OfferScore::fallback);
    // state that does not fit the model is a failure of the model, which its breaker counts
    assertThat(decision.modelFailed()).isTrue();
    assertThat(scores(decision))
        .allMatch(
            s ->
                s.fallbackReason()
                    .startsWith(
                        "model_error: the model raised an error: IllegalStateException: model ts"));
    assertThat(decision.modelScored()).isFalse();
  }

  @Test
  void shouldScoreWithAScorecardAndNaiveBayesFromTheirConfig() {
    assertThat(scores(decide("card", "{'age': 30}", RuntimeState.NONE, 1)))
        .allMatch(s -> Math.abs(s.propensity() - 1 / (1 + Math.exp(-1))) < 1e-12);
    assertThat(scores(decide("nb", "{'age': 30}", RuntimeState.NONE, 1)))
        .allMatch(s -> s.propensity() == 0.5 && !s.fallback());
  }

  @Test
  void shouldDrawThompsonScoresFromTheSeedSoTheSameSeedGivesTheSameDecision() {
    RuntimeState runtime =
        new RuntimeState(
            BudgetCounters.NONE,
            ModelStates.of(
                Map.of(
                    "ts",
                    new ThompsonState(
                        Map.of("a", new BetaCounts(10, 90), "b", new BetaCounts(50, 50)),
                        Map.of(),
                        null))),
            null);

    Decision first = decide("ts", "{}", runtime, 77);
    Decision again = decide("ts", "{}", runtime, 77);
    Decision other = decide("ts", "{}", runtime, 78);

    assertThat(scores(again)).isEqualTo(scores(first));
    assertThat(again.offers()).isEqualTo(first.offers());
    assertThat(scores(other)).isNotEqualTo(scores(first));
    assertThat(scores(first)).noneMatch(OfferScore::fallback);
    assertThat(first.stageIn(Stage.SCORING)).isEqualTo(3);
  }
}
