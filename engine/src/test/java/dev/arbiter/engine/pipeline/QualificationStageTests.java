package dev.arbiter.engine.pipeline;

import static dev.arbiter.engine.Fixtures.catalog;
import static dev.arbiter.engine.Fixtures.flow;
import static dev.arbiter.engine.Fixtures.offer;
import static dev.arbiter.engine.Fixtures.request;
import static dev.arbiter.engine.Fixtures.rule;
import static dev.arbiter.engine.pipeline.Decisions.keys;
import static dev.arbiter.engine.pipeline.Decisions.reasons;
import static dev.arbiter.engine.pipeline.Decisions.removed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.engine.DecisionEngine;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.trace.Stage;
import org.junit.jupiter.api.Test;

/** Scenario tests of the qualification stage, one per reason. */
class QualificationStageTests {
  private final DecisionEngine engine = new DecisionEngine();

  private final CatalogSnapshot snapshot =
      catalog()
          .offers(
              offer("gold-card").category("cards").attributes("{'minAge': 21}"),
              offer("basic-card").category("cards").attributes("{'minAge': 18}"),
              offer("loan").category("loans"),
              offer("web-deal").category("deals"))
          .rules(
              rule(
                  "min_balance",
                  "category",
                  "cards",
                  "{'>=': [{'var': 'customer.balance'}, 1000]}"),
              rule(
                  "old_enough",
                  "category",
                  "cards",
                  "{'>=': [{'var': 'customer.age'}, {'var': 'offer.attributes.minAge'}]}"),
              rule("no_debt", "offer", "loan", "{'!': {'var': 'customer.inDebt'}}"),
              rule(
                  "web_only",
                  "category",
                  "deals",
                  "{'in': [{'var': 'request.channel'}, ['web', 'app']]}"))
          .flows(flow("f").offers("gold-card", "basic-card", "loan", "web-deal"))
          .build();

  @Test
  void shouldKeepOffersWhoseRulesAllHold() {
    Decision decision =
        engine.decide(
            snapshot,
            request().attributes("{'balance': 5000, 'age': 30, 'inDebt': false}").build());

    assertThat(keys(decision))
        .containsExactlyInAnyOrder("gold-card", "basic-card", "loan", "web-deal");
    assertThat(removed(decision, Stage.QUALIFICATION)).isEmpty();
  }

  @Test
  void shouldNameTheFirstFailingRuleAndItsExpression() {
    Decision decision =
        engine.decide(
            snapshot, request().attributes("{'balance': 500, 'age': 30, 'inDebt': true}").build());

    assertThat(keys(decision)).containsExactly("web-deal");
    assertThat(reasons(decision, Stage.QUALIFICATION))
        .containsExactly(
            "basic-card: rule min_balance: customer.balance >= 1000 failed",
            "gold-card: rule min_balance: customer.balance >= 1000 failed",
            "loan: rule no_debt: not customer.inDebt failed");
    assertThat(removed(decision, Stage.QUALIFICATION)).allMatch(r -> r.code().equals("rule"));
  }

  @Test
  void shouldEvaluateRulesThatReadTheOfferPerOffer() {
    Decision decision =
        engine.decide(snapshot, request().attributes("{'balance': 5000, 'age': 19}").build());

    assertThat(keys(decision)).containsExactlyInAnyOrder("basic-card", "loan", "web-deal");
    assertThat(reasons(decision, Stage.QUALIFICATION))
        .singleElement()
        .asString()
        .startsWith("gold-card: rule old_enough: ")
        .endsWith(" failed");
  }

  @Test
  void shouldSeeTheRequestsChannel() {
    Decision decision =
        engine.decide(
            snapshot,
            request()
                .flowKey("f")
                .route("email", "hero")
                .attributes("{'balance': 5000, 'age': 40}")
                .build());

    assertThat(keys(decision)).doesNotContain("web-deal");
  }

  @Test
  void shouldRemoveAnOfferWhenItsRuleRaisesAnErrorWithoutFailingTheDecision() {
    CatalogSnapshot throwing =
        catalog()
            .offers(offer("a"), offer("b").category("risky"))
            .rules(rule("explodes", "category", "risky", "{'throw': 'no score'}"))
            .flows(flow("f").offers("a", "b"))
            .build();

    Decision decision = engine.decide(throwing, request().build());

    assertThat(keys(decision)).containsExactly("a");
    assertThat(removed(decision, Stage.QUALIFICATION))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.offerKey()).isEqualTo("b");
              assertThat(r.code()).isEqualTo("rule_error");
              assertThat(r.reason()).startsWith("rule explodes: ").contains("raised an error");
            });
  }

  @Test
  void shouldReuseAnOfferIndependentRuleResultForEveryOfferAndItsReason() {
    CatalogSnapshot shared =
        catalog()
            .offers(offer("a"), offer("b"), offer("c"))
            .rules(rule("vip", "all", null, "{'==': [{'var': 'customer.tier'}, 'vip']}"))
            .flows(flow("f").offers("a", "b", "c"))
            .build();

    Decision decision = engine.decide(shared, request().attributes("{'tier': 'basic'}").build());

    assertThat(reasons(decision, Stage.QUALIFICATION))
        .containsExactly(
            "a: rule vip: customer.tier == \"vip\" failed",
            "b: rule vip: customer.tier == \"vip\" failed",
            "c: rule vip: customer.tier == \"vip\" failed");
  }

  @Test
  void shouldShowTheOffersOwnValuesInTheReasonOfARuleScopedToIt() {
    CatalogSnapshot scoped =
        catalog()
            .offers(offer("gold-card").attributes("{'minAge': 21}"))
            .rules(
                rule(
                    "old_enough",
                    "offer",
                    "gold-card",
                    "{'>=': [{'var': 'customer.age'}, {'var': 'offer.attributes.minAge'}]}"))
            .flows(flow("f").offers("gold-card"))
            .build();

    Decision decision = engine.decide(scoped, request().attributes("{'age': 19}").build());

    assertThat(reasons(decision, Stage.QUALIFICATION))
        .containsExactly("gold-card: rule old_enough: customer.age >= 21 failed");
    assertThat(scoped.rules().get(0).readsOffer()).isFalse();
    assertThat(keys(engine.decide(scoped, request().attributes("{'age': 21}").build())))
        .containsExactly("gold-card");
  }

  @Test
  void shouldEvaluateAnExpressionRepeatedOnManyOffersOnceAndNameEachOffersOwnRule() {
    CatalogSnapshot repeated =
        catalog()
            .offers(offer("a"), offer("b"), offer("c"))
            .rules(
                rule("a-adult", "offer", "a", "{'>=': [{'var': 'customer.age'}, 18]}"),
                rule("b-adult", "offer", "b", "{'>=': [{'var': 'customer.age'}, 18]}"),
                rule("c-senior", "offer", "c", "{'>=': [{'var': 'customer.age'}, 65]}"))
            .flows(flow("f").offers("a", "b", "c"))
            .build();

    assertThat(repeated.rules())
        .filteredOn(r -> r.key().endsWith("-adult"))
        .extracting(r -> r.memoSlot())
        .containsOnly(repeated.rules().get(0).memoSlot())
        .doesNotContain(-1);
    assertThat(repeated.rules().get(2).memoSlot()).as("an expression of its own").isEqualTo(-1);

    Decision minor = engine.decide(repeated, request().attributes("{'age': 16}").build());
    assertThat(reasons(minor, Stage.QUALIFICATION))
        .containsExactly(
            "a: rule a-adult: customer.age >= 18 failed",
            "b: rule b-adult: customer.age >= 18 failed",
            "c: rule c-senior: customer.age >= 65 failed");
    assertThat(keys(engine.decide(repeated, request().attributes("{'age': 30}").build())))
        .containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void shouldNeverShareAnExpressionThatReadsTheOffer() {
    // The same text on two offers, but each reads its own offer's minimum: two results.
    String minAge = "{'>=': [{'var': 'customer.age'}, {'var': 'offer.attributes.minAge'}]}";
    CatalogSnapshot perOffer =
        catalog()
            .offers(
                offer("teen").attributes("{'minAge': 13}"),
                offer("adult").attributes("{'minAge': 18}"))
            .rules(
                rule("teen-age", "offer", "teen", minAge),
                rule("adult-age", "offer", "adult", minAge))
            .flows(flow("f").offers("teen", "adult"))
            .build();

    Decision decision = engine.decide(perOffer, request().attributes("{'age': 15}").build());

    assertThat(keys(decision)).containsExactly("teen");
    assertThat(reasons(decision, Stage.QUALIFICATION))
        .containsExactly("adult: rule adult-age: customer.age >= 18 failed");
  }

  @Test
  void shouldShareAnErrorOfARepeatedExpressionButNameEachRule() {
    CatalogSnapshot throwing =
        catalog()
            .offers(offer("a"), offer("b"))
            .rules(
                rule("a-check", "offer", "a", "{'throw': 'no score'}"),
                rule("b-check", "offer", "b", "{'throw': 'no score'}"))
            .flows(flow("f").offers("a", "b"))
            .build();

    Decision decision = engine.decide(throwing, request().build());

    assertThat(keys(decision)).isEmpty();
    assertThat(removed(decision, Stage.QUALIFICATION))
        .extracting(r -> r.offerKey() + " " + r.code() + " " + r.reason().split(":")[0])
        .containsExactlyInAnyOrder("a rule_error rule a-check", "b rule_error rule b-check");
  }
}
