package dev.arbiter.engine.scoring;

import static dev.arbiter.engine.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.arbiter.engine.rules.JsonLogic;
import dev.arbiter.engine.rules.RuleCompilationException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScoringModelTests {
  private static final ScoringSubject GOLD = subject("gold-card", "cards");
  private static final ScoringSubject NEW = subject("new-card", "cards");

  private static ScoringSubject subject(String key, String category) {
    return new ScoringSubject() {
      @Override
      public String key() {
        return key;
      }

      @Override
      public String category() {
        return category;
      }

      @Override
      public long randomStream() {
        return SeededRandom.hash(key);
      }
    };
  }

  private static Map<String, Object> data(String customerJson) {
    return Map.of("customer", json(customerJson), "request", Map.of(), "offer", Map.of());
  }

  @Test
  void shouldScoreALogisticModel() {
    LogisticModel model =
        new LogisticModel(
            "lr",
            0.1,
            -2,
            List.of(
                new LogisticModel.Feature(FeaturePath.of("customer.age"), 0.05),
                new LogisticModel.Feature(FeaturePath.of("customer.vip"), 1)),
            false);

    double p = model.score(GOLD, data("{'age': 40, 'vip': true}"), null, new SeededRandom(1));

    assertThat(p).isCloseTo(1 / (1 + Math.exp(-(-2 + 2 + 1))), within(1e-12));
    assertThat(model.offerIndependent()).isTrue();
  }

  @Test
  void shouldFailALogisticModelOnAMissingOrNonNumericFeatureUnlessMissingIsZero() {
    List<LogisticModel.Feature> features =
        List.of(new LogisticModel.Feature(FeaturePath.of("customer.age"), 0.05));
    LogisticModel strict = new LogisticModel("lr", 0.1, 0, features, false);
    LogisticModel lenient = new LogisticModel("lr", 0.1, 0, features, true);

    assertThat(strict.score(GOLD, data("{}"), null, new SeededRandom(1))).isNaN();
    assertThat(strict.score(GOLD, data("{'age': 'old'}"), null, new SeededRandom(1))).isNaN();
    assertThat(lenient.score(GOLD, data("{}"), null, new SeededRandom(1))).isEqualTo(0.5);
    assertThat(lenient.score(GOLD, data("{'age': 'old'}"), null, new SeededRandom(1))).isNaN();
  }

  @Test
  void shouldAddScorecardPointsAndNormaliseThem() throws RuleCompilationException {
    List<ScorecardModel.Condition> conditions =
        List.of(
            new ScorecardModel.PredicateCondition(
                "adult", FeaturePath.of("customer.age"), ScorecardModel.Operator.GE, 18, 10),
            new ScorecardModel.PredicateCondition(
                "gold",
                FeaturePath.of("customer.tier"),
                ScorecardModel.Operator.IN,
                List.of("gold", "platinum"),
                5),
            new ScorecardModel.RuleCondition(
                "rich",
                JsonLogic.compile(json("{'>=': [{'var': 'customer.balance'}, 1000]}")),
                20,
                false));
    ScorecardModel linear =
        new ScorecardModel("sc", 0.2, 5, conditions, ScorecardModel.Normalisation.linear(0, 40));
    ScorecardModel sigmoid =
        new ScorecardModel("sc", 0.2, 5, conditions, ScorecardModel.Normalisation.sigmoid(20, 5));
    Map<String, Object> customer = data("{'age': 30, 'tier': 'gold', 'balance': 10}");

    assertThat(linear.points(customer)).isEqualTo(20);
    assertThat(linear.score(GOLD, customer, null, null)).isEqualTo(0.5);
    assertThat(sigmoid.score(GOLD, customer, null, null)).isEqualTo(0.5);
    assertThat(linear.score(GOLD, data("{'age': 30, 'tier': 'gold', 'balance': 5000}"), null, null))
        .isEqualTo(1.0);
    assertThat(linear.score(GOLD, data("{}"), null, null)).isEqualTo(5 / 40.0);
  }

  @Test
  void shouldEvaluateEveryPredicateOperator() {
    Map<String, Object> d = data("{'age': 30, 'name': 'ann', 'tags': 1}");
    record Case(ScorecardModel.Operator op, Object value, String path, boolean expected) {}
    List<Case> cases =
        List.of(
            new Case(ScorecardModel.Operator.EQ, 30, "customer.age", true),
            new Case(ScorecardModel.Operator.EQ, 30.0, "customer.age", true),
            new Case(ScorecardModel.Operator.NE, 31, "customer.age", true),
            new Case(ScorecardModel.Operator.NE, 31, "customer.missing", false),
            new Case(ScorecardModel.Operator.GT, 29, "customer.age", true),
            new Case(ScorecardModel.Operator.GE, 30, "customer.age", true),
            new Case(ScorecardModel.Operator.LT, 30, "customer.age", false),
            new Case(ScorecardModel.Operator.LE, 30, "customer.age", true),
            new Case(ScorecardModel.Operator.LT, "bob", "customer.name", true),
            new Case(ScorecardModel.Operator.GT, 3, "customer.name", false),
            new Case(ScorecardModel.Operator.LE, 3, "customer.missing", false),
            new Case(ScorecardModel.Operator.IN, List.of("ann", "bob"), "customer.name", true),
            new Case(ScorecardModel.Operator.NOT_IN, List.of("ann"), "customer.name", false),
            new Case(ScorecardModel.Operator.NOT_IN, List.of("ann"), "customer.missing", true),
            new Case(ScorecardModel.Operator.EXISTS, null, "customer.tags", true),
            new Case(ScorecardModel.Operator.EXISTS, null, "customer.missing", false));
    for (Case c : cases) {
      ScorecardModel.PredicateCondition condition =
          new ScorecardModel.PredicateCondition(
              "c", FeaturePath.of(c.path()), c.op(), c.value(), 1);
      assertThat(condition.holds(d))
          .as("%s %s %s", c.path(), c.op().symbol(), c.value())
          .isEqualTo(c.expected());
    }
  }

  @Test
  void shouldSampleThompsonFromTheOffersPosteriorWhenItHasEnoughEvidence() {
    ThompsonModel model = new ThompsonModel("ts", 0.1, 1, 1, 10);
    ThompsonState state =
        new ThompsonState(
            Map.of("gold-card", new BetaCounts(81, 21)),
            Map.of("cards", new BetaCounts(3, 30)),
            new BetaCounts(500, 500));

    assertThat(model.posterior(state, "gold-card", "cards")).isEqualTo(new BetaCounts(81, 21));
    double mean = 0;
    SeededRandom random = new SeededRandom(3);
    for (int i = 0; i < 10_000; i++) {
      mean += model.score(GOLD, Map.of(), state, random) / 10_000;
    }
    assertThat(mean).isCloseTo(81 / 102.0, within(0.01));
  }

  @Test
  void shouldFallBackFromOfferToCategoryToGlobalWhenEvidenceIsThin() {
    ThompsonModel model = new ThompsonModel("ts", 0.1, 1, 1, 10);
    BetaCounts thinOffer = new BetaCounts(3, 2);
    BetaCounts category = new BetaCounts(6, 30);
    BetaCounts global = new BetaCounts(100, 900);

    assertThat(
            model.posterior(
                new ThompsonState(Map.of("new-card", thinOffer), Map.of("cards", category), global),
                "new-card",
                "cards"))
        .isEqualTo(category);
    assertThat(
            model.posterior(
                new ThompsonState(
                    Map.of("new-card", thinOffer), Map.of("cards", new BetaCounts(2, 2)), global),
                "new-card",
                "cards"))
        .isEqualTo(global);
    assertThat(
            model.posterior(
                new ThompsonState(
                    Map.of("new-card", thinOffer), Map.of("cards", new BetaCounts(2, 2)), null),
                "new-card",
                "cards"))
        .as("no level has enough: the one with the most evidence")
        .isEqualTo(thinOffer);
    assertThat(model.posterior(ThompsonState.EMPTY, "new-card", "cards")).isEqualTo(model.prior());
    // another model's state is a failure of the model (its breaker counts it), not a data gap
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> model.score(NEW, Map.of(), new NaiveBayesState(Map.of()), new SeededRandom(1)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void shouldScoreNaiveBayesWithThePublishedFormula() {
    NaiveBayesModel.Predictor age =
        new NaiveBayesModel.Predictor(
            "age", FeaturePath.of("customer.age"), true, List.of(25.0, 40.0), List.of());
    NaiveBayesModel.Predictor tier =
        new NaiveBayesModel.Predictor(
            "tier", FeaturePath.of("customer.tier"), false, List.of(), List.of("gold"));
    NaiveBayesModel model = new NaiveBayesModel("nb", 0.05, List.of(age, tier));
    // age bins: <25, [25,40), >=40, missing; tier bins: gold, other, missing.
    NaiveBayesCounts counts =
        new NaiveBayesCounts(
            10,
            30,
            new long[][] {{1, 6, 3, 0}, {8, 2, 0}},
            new long[][] {{15, 10, 5, 0}, {5, 20, 5}});
    NaiveBayesState state = new NaiveBayesState(Map.of("gold-card", counts));

    double p = model.score(GOLD, data("{'age': 30, 'tier': 'gold'}"), state, null);

    double ageTerm = Math.log(6 + 0.25) - Math.log(11) - Math.log(10 + 0.25) + Math.log(31);
    double tierTerm = Math.log(8 + 1 / 3.0) - Math.log(11) - Math.log(5 + 1 / 3.0) + Math.log(31);
    double expected = 1 / (1 + Math.exp(-((ageTerm + tierTerm + Math.log(11) - Math.log(31)) / 3)));
    assertThat(p).isCloseTo(expected, within(1e-12));
    assertThat(age.binOf(24.9)).isEqualTo(0);
    assertThat(age.binOf(25)).isEqualTo(1);
    assertThat(age.binOf(99)).isEqualTo(2);
    assertThat(age.binOf("x")).isEqualTo(3);
    assertThat(tier.binOf("silver")).isEqualTo(1);
    assertThat(tier.binOf(null)).isEqualTo(2);
    assertThat(model.score(NEW, data("{'age': 30}"), state, null)).isEqualTo(0.5);
  }

  /**
   * A predictor added or re-binned after outcomes were counted has empty bins while the offer's
   * totals stay: it takes no part until it has evidence, so the offer keeps its base rate and what
   * the other predictors know (with the totals in its terms, an empty predictor cancelled the base
   * rate and every customer scored about 0.5).
   */
  @Test
  void shouldLeaveOutNaiveBayesPredictorsWithoutEvidenceOfTheirOwn() {
    NaiveBayesModel.Predictor age =
        new NaiveBayesModel.Predictor(
            "age", FeaturePath.of("customer.age"), true, List.of(25.0, 40.0), List.of());
    NaiveBayesModel.Predictor segment =
        new NaiveBayesModel.Predictor(
            "segment", FeaturePath.of("customer.segment"), false, List.of(), List.of("gold"));
    NaiveBayesModel ageOnly = new NaiveBayesModel("nb", 0.05, List.of(age));
    NaiveBayesModel withSegment = new NaiveBayesModel("nb", 0.05, List.of(age, segment));
    long[] agePositives = {2, 5, 3, 0};
    long[] ageNegatives = {300, 400, 290, 0};
    NaiveBayesCounts before =
        new NaiveBayesCounts(10, 990, new long[][] {agePositives}, new long[][] {ageNegatives});
    NaiveBayesCounts added =
        new NaiveBayesCounts(
            10,
            990,
            new long[][] {agePositives, new long[3]},
            new long[][] {ageNegatives, new long[3]});
    Map<String, ?> customer = data("{'age': 30, 'segment': 'gold'}");
    double p =
        ageOnly.score(GOLD, customer, new NaiveBayesState(Map.of("gold-card", before)), null);
    assertThat(p).isCloseTo(0.1028, within(0.0001)); // the published formula, as before

    assertThat(
            withSegment.score(
                GOLD, customer, new NaiveBayesState(Map.of("gold-card", added)), null))
        .as("a predictor added since: the model scores as before it")
        .isCloseTo(p, within(1e-12));

    NaiveBayesCounts rebinned =
        new NaiveBayesCounts(10, 990, new long[][] {new long[4]}, new long[][] {new long[4]});
    assertThat(
            ageOnly.score(GOLD, customer, new NaiveBayesState(Map.of("gold-card", rebinned)), null))
        .as("every predictor re-binned: the offer's base rate, not 0.5")
        .isCloseTo(11.0 / (11 + 991), within(1e-12));

    // a re-binned predictor that has learned since: its terms use its own bins' totals
    NaiveBayesCounts relearned =
        new NaiveBayesCounts(13, 992, new long[][] {{0, 3, 0, 0}}, new long[][] {{1, 0, 1, 0}});
    double ageTerm = Math.log(3 + 0.25) - Math.log(4) - Math.log(0 + 0.25) + Math.log(3);
    double expected = 1 / (1 + Math.exp(-((ageTerm + Math.log(14) - Math.log(993)) / 2)));
    assertThat(
            ageOnly.score(
                GOLD, customer, new NaiveBayesState(Map.of("gold-card", relearned)), null))
        .isCloseTo(expected, within(1e-12));
  }

  @Test
  void shouldFingerprintHowNaiveBayesPredictorsBinAndNothingElse() {
    NaiveBayesModel.Predictor age = numeric("age", "customer.age", 25.0, 40.0);
    NaiveBayesModel.Predictor tier = symbolic("tier", "customer.tier", "gold", "silver");
    NaiveBayesModel model = new NaiveBayesModel("nb", 0.05, List.of(age, tier));

    assertThat(model.binning()).containsOnlyKeys("age", "tier");
    assertThat(model.binning().get("age")).matches("[0-9a-f]{16}").isEqualTo(age.binning());
    assertThat(model.binning().get("tier")).isEqualTo(tier.binning()).isNotEqualTo(age.binning());
    // the key, the fallback, the predictors' order, a passed value, -0.0 for 0.0: all bin alike
    assertThat(new NaiveBayesModel("other", 0.5, List.of(tier, age)).binning())
        .isEqualTo(model.binning());
    assertThat(
            new NaiveBayesModel("nb", 0.05, List.of(age, tier), Map.of("age", "forged")).binning())
        .isEqualTo(model.binning());
    assertThat(numeric("z", "customer.z", -0.0).binning())
        .isEqualTo(numeric("z", "customer.z", 0.0).binning());
    // every change to how a predictor bins, or to the name its evidence is kept under, tells
    for (NaiveBayesModel.Predictor changed :
        List.of(
            numeric("age", "customer.age", 25.0, 41.0),
            numeric("age", "customer.age", 25.0),
            numeric("age", "customer.years", 25.0, 40.0),
            numeric("years", "customer.age", 25.0, 40.0),
            symbolic("age", "customer.age", "25.0", "40.0"))) {
      assertThat(changed.binning()).as(changed.toString()).isNotEqualTo(age.binning());
    }
    for (NaiveBayesModel.Predictor changed :
        List.of(
            symbolic("tier", "customer.tier", "silver", "gold"),
            symbolic("tier", "customer.tier", "gold,silver"),
            symbolic("tier", "customer.tier", "gold", "silver", "bronze"),
            symbolic("tier", "customer.tier", "gold", "silve\uD800"))) {
      assertThat(changed.binning()).as(changed.toString()).isNotEqualTo(tier.binning());
    }
    // unpaired surrogates are told apart, not all read as '?'
    assertThat(symbolic("s", "customer.s", "x\uD800").binning())
        .isNotEqualTo(symbolic("s", "customer.s", "x\uDC00").binning());
  }

  private static NaiveBayesModel.Predictor symbolic(String name, String path, String... values) {
    return new NaiveBayesModel.Predictor(
        name, FeaturePath.of(path), false, List.of(), List.of(values));
  }

  private static NaiveBayesModel.Predictor numeric(String name, String path, Double... bounds) {
    return new NaiveBayesModel.Predictor(
        name, FeaturePath.of(path), true, List.of(bounds), List.of());
  }

  @Test
  void shouldFailNaiveBayesWhenCountsNoLongerFitThePredictors() {
    NaiveBayesModel model =
        new NaiveBayesModel(
            "nb",
            0.05,
            List.of(
                new NaiveBayesModel.Predictor(
                    "age", FeaturePath.of("customer.age"), true, List.of(25.0), List.of())));
    NaiveBayesCounts stale =
        new NaiveBayesCounts(1, 1, new long[][] {{1, 0}}, new long[][] {{0, 1}});

    // a failure of the model (its breaker counts it), not a data gap
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                model.score(
                    GOLD, data("{}"), new NaiveBayesState(Map.of("gold-card", stale)), null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("do not fit");
  }

  @Test
  void shouldResolveFeaturePathsThroughObjectsAndArrays() {
    Object d = json("{'customer': {'accounts': [{'balance': 5}], 'age': 3}}");

    assertThat(FeaturePath.of("customer.accounts.0.balance").resolve(d)).isEqualTo(5);
    assertThat(FeaturePath.of("customer.accounts.1.balance").resolve(d)).isNull();
    assertThat(FeaturePath.of("customer.age.x").resolve(d)).isNull();
    assertThat(FeaturePath.problem("age")).isNotNull();
    assertThat(FeaturePath.problem("customer..age")).isNotNull();
    assertThat(FeaturePath.problem("customer")).isNotNull();
    assertThat(FeaturePath.of("offer.attributes.x").readsOffer()).isTrue();
  }
}
