package dev.arbiter.engine.catalog;

import static dev.arbiter.engine.Fixtures.catalog;
import static dev.arbiter.engine.Fixtures.flow;
import static dev.arbiter.engine.Fixtures.model;
import static dev.arbiter.engine.Fixtures.object;
import static dev.arbiter.engine.Fixtures.offer;
import static dev.arbiter.engine.Fixtures.policy;
import static dev.arbiter.engine.Fixtures.profile;
import static dev.arbiter.engine.Fixtures.rule;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.engine.arbitration.ArbitrationProfile;
import dev.arbiter.engine.arbitration.Formula;
import dev.arbiter.engine.policy.ContactPolicy;
import dev.arbiter.engine.policy.PolicyType;
import dev.arbiter.engine.scoring.LogisticModel;
import dev.arbiter.engine.scoring.NaiveBayesModel;
import dev.arbiter.engine.scoring.ScorecardModel;
import dev.arbiter.engine.scoring.ThompsonModel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CatalogBuilderTests {

  private static List<String> paths(CatalogBuildResult result) {
    return result.violations().stream().map(CatalogViolation::path).toList();
  }

  @Test
  void shouldBuildAValidCatalogWithItsVersionAndTenant() {
    CatalogSnapshot snapshot =
        catalog()
            .version(41)
            .offers(offer("gold-card").category("cards"), offer("loan"))
            .rules(rule("min_balance", "all", null, "{'>=': [{'var': 'customer.balance'}, 1000]}"))
            .flows(flow("home").offers("gold-card", "loan"))
            .build();

    assertThat(snapshot.catalogVersion()).isEqualTo(41);
    assertThat(snapshot.tenantId()).isEqualTo("acme");
    assertThat(snapshot.offers()).extracting(Offer::key).containsExactly("gold-card", "loan");
    assertThat(snapshot.flow("home").candidates())
        .extracting(Offer::key)
        .containsExactly("gold-card", "loan");
    assertThat(snapshot.flow("home").profile()).isEqualTo(ArbitrationProfile.DEFAULT);
    assertThat(snapshot.flow("home").usesDefaultProfile()).isTrue();
  }

  @Test
  void shouldReportEveryViolationAtOnceWithFieldPaths() {
    CatalogBuildResult result =
        catalog()
            .offers(
                offer("gold-card").status("live").priority(101).budget(null, null, "week"),
                offer("loan").schedule("2026-12-01T00:00:00Z", "2026-11-01T00:00:00Z"),
                offer(null))
            .rules(rule("bad_rule", "category", null, "{'nope': [1]}"))
            .policies(
                policy("weekly", "frequency_cap", "global", null, "{'max': 0, 'window': 'P1M'}"))
            .models(model("m", "thompson", "{'prior': {'alpha': -1}, 'extra': 1}", 2.0))
            .profiles(profile("p", "prie", "{'propensity': -1, 'value': 0}"))
            .flows(flow("home").offers("missing-offer").model("nope").profile("nope2").maxOffers(0))
            .result();

    assertThat(result.valid()).isFalse();
    assertThat(result.snapshot()).isNull();
    assertThat(paths(result))
        .contains(
            "offers[gold-card].status",
            "offers[gold-card].priority",
            "offers[gold-card].budget.period",
            "offers[gold-card].budget",
            "offers[loan].endAt",
            "offers[2].key",
            "qualificationRules[bad_rule].scope.value",
            "contactPolicies[weekly].config.max",
            "contactPolicies[weekly].config.window",
            "models[m].fallbackScore",
            "models[m].config.extra",
            "models[m].config.prior.alpha",
            "arbitrationProfiles[p].weights.propensity",
            "flows[home].inventory.offers[0]",
            "flows[home].modelKey",
            "flows[home].arbitrationProfileKey",
            "flows[home].maxOffers");
    assertThat(result.violations())
        .anySatisfy(
            v -> {
              assertThat(v.path()).startsWith("qualificationRules[bad_rule].expression");
            });
    assertThatThrownBy(result::orElseThrow)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("offers[gold-card].priority");
  }

  @Test
  void shouldExplainWhyAMonthlyWindowIsRefused() {
    CatalogBuildResult result =
        catalog()
            .offers(offer("a"))
            .policies(
                policy("monthly", "frequency_cap", "global", null, "{'max': 3, 'window': 'P1M'}"))
            .flows(flow("f").offers("a"))
            .result();

    assertThat(result.violations())
        .containsExactly(
            new CatalogViolation(
                "contactPolicies[monthly].config.window",
                "'P1M' uses months or years, whose length varies; use days, e.g. P30D"));
  }

  @Test
  void shouldParseWindowsInDaysHoursAndWeeks() {
    CatalogSnapshot snapshot =
        catalog()
            .offers(offer("a"))
            .policies(
                policy("a1", "frequency_cap", "global", null, "{'max': 3, 'window': 'P7D'}"),
                policy(
                    "a2",
                    "channel_fatigue",
                    "global",
                    null,
                    "{'channel': 'email', 'max': 2, 'window': 'PT12H'}"),
                policy("a3", "cooldown", "offer", null, "{'outcome': 'reject', 'duration': 'P2W'}"))
            .flows(flow("f").offers("a"))
            .build();

    assertThat(snapshot.policies())
        .extracting(p -> p.type(), p -> p.window())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(PolicyType.FREQUENCY_CAP, Duration.ofDays(7)),
            org.assertj.core.groups.Tuple.tuple(PolicyType.CHANNEL_FATIGUE, Duration.ofHours(12)),
            org.assertj.core.groups.Tuple.tuple(PolicyType.COOLDOWN, Duration.ofDays(14)));
    assertThat(snapshot.policies().get(0).outcome()).isEqualTo("impression");
  }

  @Test
  void shouldRejectDuplicateKeysAndConflictingRoutes() {
    CatalogBuildResult result =
        catalog()
            .offers(offer("a"), offer("a"))
            .flows(flow("f1").offers("a"), flow("f2").offers("a"))
            .result();

    assertThat(result.violations())
        .extracting(CatalogViolation::toString)
        .containsExactlyInAnyOrder(
            "offers[a].key: duplicate key 'a'",
            "flows[f2]: channel 'web' placement 'hero' is already served by flow 'f1'");
  }

  @Test
  void shouldRequireAnInventory() {
    CatalogBuildResult result =
        catalog().offers(offer("a")).flows(flow("f").version(null)).result();

    assertThat(paths(result)).containsExactlyInAnyOrder("flows[f].inventory", "flows[f].version");
  }

  @Test
  void shouldResolveInventoryOffersAndCategoriesOnceEachInKeyOrder() {
    CatalogSnapshot snapshot =
        catalog()
            .offers(
                offer("c").category("cards"),
                offer("a").category("cards"),
                offer("b").category("loans"),
                offer("d").category("savings"))
            .flows(flow("f").offers("b", "a").categories("cards", "nothing-here"))
            .build();

    assertThat(snapshot.flow("f").candidates())
        .extracting(Offer::key)
        .containsExactly("a", "b", "c");
  }

  @Test
  void shouldPrecomputeEachOffersRulesByScopeAndSkipInactiveOnes() {
    CatalogSnapshot snapshot =
        catalog()
            .offers(
                offer("gold").category("cards").subcategory("premium"),
                offer("basic").category("cards").subcategory("entry"),
                offer("loan").category("loans"))
            .rules(
                rule("r_all", "all", null, "true"),
                rule("r_cards", "category", "cards", "true"),
                rule("r_premium", "subcategory", "premium", "true"),
                rule("r_loan", "offer", "loan", "true"),
                new QualificationRuleDefinition(
                    null, "r_off", null, new ScopeDefinition("all", null), true, "inactive"))
            .flows(flow("f").categories("cards", "loans"))
            .build();

    assertThat(snapshot.offer("gold").rules())
        .extracting(QualificationRule::key)
        .containsExactly("r_all", "r_cards", "r_premium");
    assertThat(snapshot.offer("basic").rules())
        .extracting(QualificationRule::key)
        .containsExactly("r_all", "r_cards");
    assertThat(snapshot.offer("loan").rules())
        .extracting(QualificationRule::key)
        .containsExactly("r_all", "r_loan");
    assertThat(snapshot.rules()).extracting(QualificationRule::key).doesNotContain("r_off");
  }

  @Test
  void shouldReportARuleScopedToAnUnknownOffer() {
    CatalogBuildResult result =
        catalog()
            .offers(offer("a"))
            .rules(rule("r", "offer", "ghost", "true"))
            .flows(flow("f").offers("a"))
            .result();

    assertThat(result.violations())
        .containsExactly(
            new CatalogViolation(
                "qualificationRules[r].scope.value", "names offer 'ghost', which does not exist"));
  }

  @Test
  void shouldKnowWhichRulesCanReadOfferData() {
    CatalogSnapshot snapshot =
        catalog()
            .offers(offer("a"))
            .rules(
                rule("customer_only", "all", null, "{'>=': [{'var': 'customer.balance'}, 10]}"),
                rule("reads_offer", "all", null, "{'==': [{'var': 'offer.category'}, 'x']}"),
                rule("dynamic", "all", null, "{'var': {'cat': ['cust', 'omer.x']}}"),
                rule(
                    "scoped",
                    "all",
                    null,
                    "{'some': [{'var': 'customer.tags'}, {'==': [{'var': ''}, 'vip']}]}"))
            .flows(flow("f").offers("a"))
            .build();

    assertThat(snapshot.rules())
        .extracting(QualificationRule::key, QualificationRule::readsOffer)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("customer_only", false),
            org.assertj.core.groups.Tuple.tuple("dynamic", true),
            org.assertj.core.groups.Tuple.tuple("reads_offer", true),
            org.assertj.core.groups.Tuple.tuple("scoped", true));
  }

  @Test
  void shouldCompileEveryModelTypeFromItsConfig() {
    CatalogSnapshot snapshot =
        catalog()
            .offers(offer("a"))
            .models(
                model(
                    "card",
                    "scorecard",
                    "{'baseScore': 5, 'conditions': ["
                        + "{'name': 'adult', 'attribute': 'customer.age', 'op': '>=', 'value': 18, 'points': 10},"
                        + "{'name': 'rich', 'rule': {'>=': [{'var': 'customer.balance'}, 1000]}, 'points': 20}],"
                        + "'normalisation': {'type': 'linear', 'min': 0, 'max': 40}}",
                    0.3),
                model(
                    "ts", "thompson", "{'prior': {'alpha': 2, 'beta': 8}, 'minEvidence': 25}", 0.1),
                model(
                    "nb",
                    "naive_bayes",
                    "{'predictors': [{'name': 'age', 'type': 'numeric', 'bins': [25, 40]},"
                        + "{'name': 'seg', 'path': 'customer.segment', 'type': 'symbolic', 'values': ['gold']}]}",
                    0.2),
                model(
                    "lr",
                    "logistic",
                    "{'intercept': -1, 'weights': {'customer.age': 0.05}, 'missing': 'zero'}",
                    0.4))
            .flows(flow("f").offers("a").model("ts"))
            .build();

    assertThat(snapshot.model("card"))
        .isInstanceOfSatisfying(
            ScorecardModel.class,
            m -> {
              assertThat(m.conditions()).hasSize(2);
              assertThat(m.normalisation().sigmoid()).isFalse();
            });
    assertThat(snapshot.model("ts")).isEqualTo(new ThompsonModel("ts", 0.1, 2, 8, 25));
    assertThat(snapshot.model("nb"))
        .isInstanceOfSatisfying(
            NaiveBayesModel.class,
            m -> {
              assertThat(m.predictors().get(0).path().toString()).isEqualTo("customer.age");
              assertThat(m.predictors().get(0).binCount()).isEqualTo(4);
              assertThat(m.predictors().get(1).binCount()).isEqualTo(3);
            });
    assertThat(snapshot.model("lr"))
        .isInstanceOfSatisfying(LogisticModel.class, m -> assertThat(m.missingAsZero()).isTrue());
    assertThat(snapshot.flow("f").model()).isSameAs(snapshot.model("ts"));
  }

  @Test
  void shouldReportModelConfigProblemsWithPaths() {
    assertThat(
            CatalogBuilder.validateModel(
                model(
                    "card",
                    "scorecard",
                    "{'conditions': [{'name': 'x', 'attribute': 'age', 'op': '~', 'points': 'many'},"
                        + "{'name': 'y', 'points': 1},"
                        + "{'name': 'z', 'rule': {'bogus': []}, 'points': 1}],"
                        + "'normalisation': {'type': 'linear', 'min': 5, 'max': 5}}",
                    0.5)))
        .extracting(CatalogViolation::path)
        .contains(
            "config.conditions[0].points",
            "config.conditions[0].attribute",
            "config.conditions[0].op",
            "config.conditions[1]",
            "config.normalisation.max")
        .anySatisfy(p -> assertThat(p).startsWith("config.conditions[2].rule"));
    assertThat(
            CatalogBuilder.validateModel(
                model(
                    "nb",
                    "naive_bayes",
                    "{'predictors': [{'name': 'age', 'type': 'numeric', 'bins': [40, 25]},"
                        + "{'name': 'age', 'type': 'symbolic', 'values': []},"
                        + "{'name': 'q', 'type': 'fuzzy'}]}",
                    0.5)))
        .extracting(CatalogViolation::path)
        .containsExactlyInAnyOrder(
            "config.predictors[0].bins[1]",
            "config.predictors[1].name",
            "config.predictors[1].values",
            "config.predictors[2].type");
    assertThat(
            CatalogBuilder.validateModel(
                model(
                    "lr",
                    "logistic",
                    "{'weights': {'age': 1, 'customer.x': 'heavy'}, 'missing': 'ignore'}",
                    0.5)))
        .extracting(CatalogViolation::path)
        .containsExactlyInAnyOrder(
            "config.weights.age", "config.weights.customer.x", "config.missing");
    assertThat(CatalogBuilder.validateModel(model("x", "onnx", "{}", 0.5)))
        .extracting(CatalogViolation::path)
        .containsExactly("type");
    assertThat(
            CatalogBuilder.validateModel(
                model("e", "external", "{'url': 'https://scoring.test/v1/score'}", 0.5)))
        .isEmpty();
    assertThat(
            CatalogBuilder.model(
                model(
                    "e",
                    "external",
                    "{'url': 'http://10.0.0.7:9000/score?v=2', 'timeoutMs': 50}",
                    0.5)))
        .isEqualTo(
            new dev.arbiter.engine.scoring.ExternalModel(
                "e",
                0.5,
                java.net.URI.create("http://10.0.0.7:9000/score?v=2"),
                java.time.Duration.ofMillis(50)));
    assertThat(CatalogBuilder.validateModel(model("e", "external", "{'timeout': 5}", 0.5)))
        .extracting(CatalogViolation::path)
        .containsExactlyInAnyOrder("config.timeout", "config.url");
    for (String url :
        List.of(
            "ftp://scoring.test/score",
            "/score",
            "https://user:secret@scoring.test/score",
            "http://scoring.test/score#x",
            "http://sc oring.test/",
            "http:///score")) {
      assertThat(
              CatalogBuilder.validateModel(model("e", "external", "{'url': '" + url + "'}", 0.5)))
          .as(url)
          .extracting(CatalogViolation::path)
          .containsExactly("config.url");
    }
    assertThat(
            CatalogBuilder.validateModel(
                model("e", "external", "{'url': 'http://s.test/', 'timeoutMs': 5001}", 0.5)))
        .extracting(CatalogViolation::path)
        .containsExactly("config.timeoutMs");
    assertThat(
            CatalogBuilder.validateModel(
                new ModelDefinition(null, "m", null, "thompson", null, null)))
        .containsExactly(new CatalogViolation("fallbackScore", "is required (0..1)"));
  }

  @Test
  void shouldValidateArbitrationWeights() {
    assertThat(
            CatalogBuilder.validateProfile(profile("p", "prie", "{'propensity': 0, 'value': 0}")))
        .containsExactly(new CatalogViolation("weights", "must sum to more than 0"));
    assertThat(CatalogBuilder.validateProfile(profile("p", "sum", "{'propensity': 1, 'luck': 2}")))
        .extracting(CatalogViolation::path)
        .containsExactlyInAnyOrder("formula", "weights.luck");
    assertThat(CatalogBuilder.validateProfile(profile("p", "weighted_sum", "{'propensity': 1}")))
        .isEmpty();
    CatalogSnapshot snapshot =
        catalog()
            .offers(offer("a"))
            .profiles(profile("ws", "weighted_sum", "{'propensity': 3, 'value': 1}"))
            .flows(flow("f").offers("a").profile("ws"))
            .build();
    assertThat(snapshot.flow("f").profile())
        .isEqualTo(new ArbitrationProfile("ws", Formula.WEIGHTED_SUM, 3, 0, 1, 0, null));
  }

  @Test
  void shouldValidateSingleResourcesWithRelativePaths() {
    assertThat(CatalogBuilder.validateOffer(offer("x").priority(null).build()))
        .containsExactly(new CatalogViolation("priority", "is required (0..100)"));
    assertThat(
            CatalogBuilder.validatePolicy(
                policy("p", "cooldown", "planet", null, "{'duration': 'soon'}")))
        .extracting(CatalogViolation::path)
        .containsExactlyInAnyOrder("scope.type", "config.outcome", "config.duration");
    assertThat(CatalogBuilder.validateRule(rule("r", "all", "x", "true")))
        .containsExactly(new CatalogViolation("scope.value", "must be absent for scope all"));
    assertThat(CatalogBuilder.validateFlow(flow("f").route(" ", "hero").build()))
        .extracting(CatalogViolation::path)
        .containsExactlyInAnyOrder("channel", "inventory");
    assertThat(
            CatalogBuilder.validatePolicy(
                policy(
                    "p",
                    "frequency_cap",
                    "global",
                    null,
                    "{'max': 2, 'window': 'P1D', 'windows': 1}")))
        .containsExactly(
            new CatalogViolation(
                "config.windows", "unknown field (allowed: outcome, max, window)"));
  }

  @Test
  void shouldCompileOnePolicyOnItsOwnOrNullWhenItHasProblems() {
    ContactPolicy cooldown =
        CatalogBuilder.policy(
            policy("p", "cooldown", "offer", null, "{'outcome': 'reject', 'duration': 'P2W'}"));
    assertThat(cooldown.window()).isEqualTo(Duration.ofDays(14));
    assertThat(cooldown.type()).isEqualTo(PolicyType.COOLDOWN);
    assertThat(
            CatalogBuilder.policy(
                policy("p", "frequency_cap", "global", null, "{'max': 2, 'window': 'P1M'}")))
        .isNull();
  }

  @Test
  void shouldRouteByFlowKeyThenChannelAndPlacementThenWildcards() {
    CatalogSnapshot snapshot =
        catalog()
            .offers(offer("a"))
            .flows(
                flow("exact").offers("a").route("web", "hero"),
                flow("web-any").offers("a").route("web", "*"),
                flow("any-banner").offers("a").route("*", "banner"),
                flow("catch-all").offers("a").route("*", "*"))
            .build();

    assertThat(snapshot.route("catch-all", "web", "hero").flow().key()).isEqualTo("catch-all");
    assertThat(snapshot.route("catch-all", "web", "hero").how()).isEqualTo("flow_key");
    assertThat(snapshot.route("ghost", "web", "hero")).isNull();
    assertThat(snapshot.route(null, "web", "hero").flow().key()).isEqualTo("exact");
    assertThat(snapshot.route(null, "web", "hero").how()).isEqualTo("channel_placement");
    assertThat(snapshot.route(null, "web", "sidebar").flow().key()).isEqualTo("web-any");
    assertThat(snapshot.route(null, "app", "banner").flow().key()).isEqualTo("any-banner");
    assertThat(snapshot.route(null, "app", "sidebar").flow().key()).isEqualTo("catch-all");
    assertThat(snapshot.route(null, null, null).how()).isEqualTo("wildcard");
  }

  @Test
  void shouldReturnNoRouteWithoutAWildcard() {
    CatalogSnapshot snapshot =
        catalog().offers(offer("a")).flows(flow("exact").offers("a")).build();

    assertThat(snapshot.route(null, "email", "hero")).isNull();
  }

  @Test
  void shouldFreezeContentAndExposeARuleViewOfTheOffer() {
    Map<String, Object> attributes = object("{'tier': 'gold', 'tags': ['a']}");
    CatalogSnapshot snapshot =
        catalog()
            .offers(offer("a").category("cards").value(100.0, null, 5.0).channels("web"))
            .flows(flow("f").offers("a"))
            .build();
    Offer offer = snapshot.offer("a");

    assertThatThrownBy(() -> offer.content().put("x", 1))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(offer.ruleView())
        .containsEntry("key", "a")
        .containsEntry("category", "cards")
        .containsEntry("status", "active")
        .containsEntry("priority", 50)
        .containsEntry("channels", List.of("web"));
    assertThat(offer.monetaryValue()).isEqualTo(95.0);
    assertThat(attributes).isNotNull();
  }
}
