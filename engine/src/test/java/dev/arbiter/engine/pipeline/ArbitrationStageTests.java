package dev.arbiter.engine.pipeline;

import static dev.arbiter.engine.Fixtures.catalog;
import static dev.arbiter.engine.Fixtures.flow;
import static dev.arbiter.engine.Fixtures.offer;
import static dev.arbiter.engine.Fixtures.profile;
import static dev.arbiter.engine.Fixtures.request;
import static dev.arbiter.engine.pipeline.Decisions.keys;
import static dev.arbiter.engine.pipeline.Decisions.reasons;
import static dev.arbiter.engine.pipeline.Decisions.stage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.arbiter.engine.DecisionEngine;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.trace.OfferScore;
import dev.arbiter.engine.trace.Stage;
import org.junit.jupiter.api.Test;

/** Scenario tests of arbitration: formulas, factors, elimination, top N and tie-break. */
class ArbitrationStageTests {
  private final DecisionEngine engine = new DecisionEngine();

  @Test
  void shouldRankByTheDefaultPrieProfileWithoutAProfile() {
    CatalogSnapshot snapshot =
        catalog()
            .offers(offer("cheap").margin(10).priority(50), offer("rich").margin(100).priority(50))
            .flows(flow("f").offers("cheap", "rich"))
            .build();

    Decision decision = engine.decide(snapshot, request().build());

    assertThat(keys(decision)).containsExactly("rich", "cheap");
    OfferScore cheap =
        decision.trace().scores().stream()
            .filter(s -> s.offerKey().equals("cheap"))
            .findFirst()
            .orElseThrow();
    // (0.5^0.4 · 1^0.2 · 0.1^0.3 · 0.5^0.1)^(1/1.0)
    assertThat(cheap.score())
        .isCloseTo(Math.pow(0.5, 0.4) * Math.pow(0.1, 0.3) * Math.pow(0.5, 0.1), within(1e-12));
    assertThat(cheap.value()).isCloseTo(0.1, within(1e-12));
    assertThat(cheap.priority()).isEqualTo(0.5);
    assertThat(cheap.relevance()).isEqualTo(1.0);
    assertThat(decision.offers().get(1).score()).isCloseTo(cheap.score(), within(1e-12));
  }

  @Test
  void shouldEliminateAnOfferWithAZeroFactorUnderPrie() {
    CatalogSnapshot snapshot =
        catalog()
            .offers(
                offer("valued").margin(50),
                offer("worthless").value(null, null, null),
                offer("unimportant").priority(0))
            .flows(flow("f").offers("valued", "worthless", "unimportant"))
            .build();

    Decision decision = engine.decide(snapshot, request().build());

    assertThat(keys(decision)).containsExactly("valued");
    assertThat(reasons(decision, Stage.ARBITRATION))
        .containsExactly(
            "unimportant: arbitration: priority is 0; PRIE eliminates an offer with a zero factor",
            "worthless: arbitration: value is 0; PRIE eliminates an offer with a zero factor");
    assertThat(decision.trace().scores())
        .filteredOn(OfferScore::eliminated)
        .hasSize(2)
        .allMatch(s -> s.score() == 0);
  }

  @Test
  void shouldNotEliminateUnderAWeightedSumOrForAFactorWithoutWeight() {
    CatalogSnapshot snapshot =
        catalog()
            .offers(
                offer("valued").margin(50).priority(10),
                offer("worthless").value(null, null, null).priority(90))
            .profiles(
                profile("ws", "weighted_sum", "{'propensity': 1, 'value': 1, 'priority': 2}"),
                profile("no-value", "prie", "{'propensity': 1, 'priority': 1}"))
            .flows(
                flow("ws").offers("valued", "worthless").profile("ws"),
                flow("nv").route("web", "nv").offers("valued", "worthless").profile("no-value"))
            .build();

    Decision sum = engine.decide(snapshot, request().build());
    Decision noValue = engine.decide(snapshot, request().flowKey("nv").build());

    assertThat(keys(sum)).containsExactly("worthless", "valued");
    assertThat(sum.offers().get(0).score()).isCloseTo((0.5 + 0 + 2 * 0.9) / 4, within(1e-12));
    assertThat(keys(noValue)).containsExactly("worthless", "valued");
  }

  @Test
  void shouldTakeRelevanceFromTheRequestContextThenTheOfferAttributes() {
    CatalogSnapshot snapshot =
        catalog()
            .offers(
                offer("a").category("travel"),
                offer("b").category("cards").attributes("{'relevance': 0.2}"),
                offer("c").category("cards"))
            .flows(flow("f").offers("a", "b", "c"))
            .build();

    Decision plain = engine.decide(snapshot, request().build());
    Decision travelPage =
        engine.decide(
            snapshot,
            request().context("{'relevance': {'travel': 1, 'cards': 0.1, 'c': 0.9}}").build());

    assertThat(plain.trace().scores())
        .extracting(OfferScore::relevance)
        .containsExactly(1.0, 0.2, 1.0);
    assertThat(travelPage.trace().scores())
        .extracting(OfferScore::relevance)
        .containsExactly(1.0, 0.1, 0.9);
    assertThat(keys(travelPage)).containsExactly("a", "c", "b");
  }

  @Test
  void shouldReturnTheTopNOfTheRequestLimitAndTheFlowsMaxOffers() {
    CatalogSnapshot snapshot =
        catalog()
            .offers(
                offer("p10").priority(10),
                offer("p20").priority(20),
                offer("p30").priority(30),
                offer("p40").priority(40),
                offer("p50").priority(50))
            .flows(flow("f").offers("p10", "p20", "p30", "p40", "p50").maxOffers(3))
            .build();

    Decision byFlow = engine.decide(snapshot, request().build());
    Decision byRequest = engine.decide(snapshot, request().limit(2).build());
    Decision asksTooMany = engine.decide(snapshot, request().limit(10).build());

    assertThat(keys(byFlow)).containsExactly("p50", "p40", "p30");
    assertThat(byFlow.offers()).extracting(RankedOffer::rank).containsExactly(1, 2, 3);
    assertThat(keys(byRequest)).containsExactly("p50", "p40");
    assertThat(keys(asksTooMany)).hasSize(3);
    assertThat(stage(byRequest, Stage.ARBITRATION).in()).isEqualTo(5);
    assertThat(stage(byRequest, Stage.ARBITRATION).out()).isEqualTo(2);
    assertThat(reasons(byRequest, Stage.ARBITRATION))
        .hasSize(3)
        .allMatch(
            r -> r.contains("arbitration: not in the top 2 (the lowest returned offer scored"));
  }

  @Test
  void shouldBreakTiesByPriorityThenOfferKey() {
    CatalogSnapshot snapshot =
        catalog()
            .offers(
                offer("b").margin(10).priority(50),
                offer("a").margin(10).priority(50),
                offer("c").margin(10).priority(50))
            .profiles(profile("only-value", "prie", "{'value': 1}"))
            .flows(flow("f").offers("a", "b", "c").profile("only-value"))
            .build();
    CatalogSnapshot byPriority =
        catalog()
            .offers(offer("b").margin(10).priority(60), offer("a").margin(10).priority(50))
            .profiles(profile("only-value", "prie", "{'value': 1}"))
            .flows(flow("f").offers("a", "b").profile("only-value"))
            .build();

    assertThat(keys(engine.decide(snapshot, request().build()))).containsExactly("a", "b", "c");
    assertThat(keys(engine.decide(byPriority, request().build()))).containsExactly("b", "a");
  }

  @Test
  void shouldNormaliseValueByTheProfilesValueMaxWhenSet() {
    CatalogSnapshot snapshot =
        catalog()
            .offers(offer("a").margin(25), offer("b").margin(400))
            .profiles(
                new dev.arbiter.engine.catalog.ArbitrationProfileDefinition(
                    null,
                    "capped",
                    null,
                    "prie",
                    dev.arbiter.engine.Fixtures.object("{'value': 1}"),
                    100.0))
            .flows(flow("f").offers("a", "b").profile("capped"))
            .build();

    Decision decision = engine.decide(snapshot, request().build());

    assertThat(decision.trace().scores()).extracting(OfferScore::value).containsExactly(0.25, 1.0);
  }

  /**
   * A flow whose offers have no value (service messages) under a profile with a valueMax: value
   * does not discriminate, as without valueMax, rather than eliminating every offer under PRIE.
   */
  @Test
  void shouldNotLetValueMaxEliminateAFlowWithoutValues() {
    CatalogSnapshot snapshot =
        catalog()
            .offers(
                offer("notice").priority(50).value(null, null, null),
                offer("reminder").priority(40).value(null, null, null))
            .profiles(
                new dev.arbiter.engine.catalog.ArbitrationProfileDefinition(
                    null,
                    "capped",
                    null,
                    "prie",
                    dev.arbiter.engine.Fixtures.object("{'propensity': 0.5, 'value': 0.5}"),
                    500.0))
            .flows(flow("f").offers("notice", "reminder").profile("capped"))
            .build();

    Decision decision = engine.decide(snapshot, request().build());

    assertThat(keys(decision)).containsExactlyInAnyOrder("notice", "reminder");
    assertThat(decision.trace().scores()).extracting(OfferScore::value).containsOnly(1.0);
  }
}
