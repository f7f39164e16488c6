package dev.arbiter.bench.engine;

import dev.arbiter.engine.catalog.CatalogBuilder;
import dev.arbiter.engine.catalog.CatalogDefinition;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.catalog.ContactPolicyDefinition;
import dev.arbiter.engine.catalog.FlowDefinition;
import dev.arbiter.engine.catalog.InventoryDefinition;
import dev.arbiter.engine.catalog.ModelDefinition;
import dev.arbiter.engine.catalog.OfferDefinition;
import dev.arbiter.engine.catalog.OfferValue;
import dev.arbiter.engine.catalog.QualificationRuleDefinition;
import dev.arbiter.engine.catalog.ScopeDefinition;
import dev.arbiter.engine.pipeline.BudgetCounters;
import dev.arbiter.engine.pipeline.CustomerState;
import dev.arbiter.engine.pipeline.DecisionRequest;
import dev.arbiter.engine.pipeline.ModelStates;
import dev.arbiter.engine.pipeline.RuntimeState;
import dev.arbiter.engine.policy.ContactEvent;
import dev.arbiter.engine.scoring.BetaCounts;
import dev.arbiter.engine.scoring.ThompsonState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The reference catalog of the decision benchmark, deterministic for a given size and rule shape.
 *
 * <p>{@code offers} offers in 20 categories, all active, in one flow (web/hero, top 5, Thompson,
 * default PRIE). Two qualification rules apply to every offer:
 *
 * <ul>
 *   <li>rule shape {@code per_offer}: two rules scoped to the offer itself that read offer
 *       attributes ({@code customer.balance >= offer.attributes.minBalance}, {@code customer.age <=
 *       offer.attributes.maxAge}), so each offer costs two rule evaluations (2 × offers rules in
 *       the catalog);
 *   <li>rule shape {@code per_category}: two rules per category over customer data only ({@code
 *       customer.balance >= N}, {@code customer.segment in [...]}), which the engine evaluates once
 *       per decision and reuses.
 * </ul>
 *
 * About 90% of offers qualify, so scoring and arbitration see most of the catalog. Three contact
 * policies (a per-offer cap of 3 impressions in P7D, a 30-day cooldown after a reject, a web
 * fatigue of 20 impressions in P1D) run against a 50-interaction history.
 */
final class ReferenceCatalog {
  static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
  private static final int CATEGORIES = 20;

  private ReferenceCatalog() {}

  static String key(int i) {
    return "offer-" + i;
  }

  static String category(int i) {
    return "cat-" + (i % CATEGORIES);
  }

  static CatalogSnapshot snapshot(int offers, String ruleShape) {
    Random random = new Random(offers);
    List<OfferDefinition> offerDefinitions = new ArrayList<>(offers);
    List<QualificationRuleDefinition> rules = new ArrayList<>();
    for (int i = 0; i < offers; i++) {
      String key = key(i);
      boolean qualifies = random.nextInt(10) != 0;
      offerDefinitions.add(
          new OfferDefinition(
              "id-" + i,
              key,
              "Offer " + i,
              null,
              category(i),
              null,
              "active",
              Instant.parse("2026-01-01T00:00:00Z"),
              Instant.parse("2027-01-01T00:00:00Z"),
              1 + random.nextInt(100),
              new OfferValue(50.0 + random.nextInt(500), 5.0 + random.nextInt(100), null),
              List.of("web", "app"),
              null,
              null,
              Map.of("headline", "Offer " + i, "image", "https://cdn.example/" + i + ".png"),
              Map.of(
                  "minBalance",
                  qualifies ? random.nextInt(2000) : 1_000_000,
                  "maxAge",
                  60 + random.nextInt(40))));
      if ("per_offer".equals(ruleShape)) {
        rules.add(
            rule(
                "min_balance_" + i,
                "offer",
                key,
                Map.of(
                    ">=",
                    List.of(
                        Map.of("var", "customer.balance"),
                        Map.of("var", "offer.attributes.minBalance")))));
        rules.add(
            rule(
                "max_age_" + i,
                "offer",
                key,
                Map.of(
                    "<=",
                    List.of(
                        Map.of("var", "customer.age"), Map.of("var", "offer.attributes.maxAge")))));
      }
    }
    if ("per_category".equals(ruleShape)) {
      for (int c = 0; c < CATEGORIES; c++) {
        rules.add(
            rule(
                "min_balance_cat_" + c,
                "category",
                "cat-" + c,
                Map.of(
                    ">=", List.of(Map.of("var", "customer.balance"), c == 7 ? 10_000 : 100 * c))));
        rules.add(
            rule(
                "segment_cat_" + c,
                "category",
                "cat-" + c,
                Map.of(
                    "in",
                    List.of(
                        Map.of("var", "customer.segment"), List.of("gold", "silver", "bronze")))));
      }
    } else if (!"per_offer".equals(ruleShape)) {
      throw new IllegalArgumentException("rule shape " + ruleShape);
    }
    List<ContactPolicyDefinition> policies =
        List.of(
            new ContactPolicyDefinition(
                null,
                "weekly-cap",
                null,
                "frequency_cap",
                new ScopeDefinition("offer", null),
                Map.of("outcome", "impression", "max", 3, "window", "P7D"),
                "active"),
            new ContactPolicyDefinition(
                null,
                "after-reject",
                null,
                "cooldown",
                new ScopeDefinition("offer", null),
                Map.of("outcome", "reject", "duration", "P30D"),
                "active"),
            new ContactPolicyDefinition(
                null,
                "web-fatigue",
                null,
                "channel_fatigue",
                new ScopeDefinition("global", null),
                Map.of("channel", "web", "max", 20, "window", "P1D"),
                "active"));
    List<String> categories = new ArrayList<>();
    for (int c = 0; c < CATEGORIES; c++) {
      categories.add("cat-" + c);
    }
    FlowDefinition flow =
        new FlowDefinition(
            "id-flow",
            "home",
            "Home hero",
            "web",
            "hero",
            new InventoryDefinition(null, categories),
            "ts",
            null,
            5,
            1);
    ModelDefinition model =
        new ModelDefinition(
            "id-ts",
            "ts",
            "Thompson",
            "thompson",
            Map.of("prior", Map.of("alpha", 1, "beta", 1), "minEvidence", 10),
            0.05);
    return CatalogBuilder.build(
            new CatalogDefinition(
                "bench",
                1,
                offerDefinitions,
                rules,
                policies,
                List.of(model),
                List.of(),
                List.of(flow)))
        .orElseThrow();
  }

  private static QualificationRuleDefinition rule(
      String key, String scope, String value, Object expression) {
    return new QualificationRuleDefinition(
        null, key, key, new ScopeDefinition(scope, value), expression, "active");
  }

  /** 50 interactions over the last 30 days with offers of the catalog. */
  static CustomerState customer(int offers) {
    Random random = new Random(7);
    List<ContactEvent> history = new ArrayList<>();
    String[] outcomes = {"impression", "impression", "impression", "click", "reject"};
    for (int i = 0; i < 50; i++) {
      int offer = random.nextInt(Math.min(offers, 40));
      history.add(
          new ContactEvent(
              outcomes[random.nextInt(outcomes.length)],
              key(offer),
              category(offer),
              random.nextBoolean() ? "web" : "email",
              NOW.minus(Duration.ofMinutes(random.nextInt(30 * 24 * 60)))));
    }
    return new CustomerState(history);
  }

  /** Thompson posteriors for every offer and category. */
  static RuntimeState runtime(int offers) {
    Random random = new Random(11);
    Map<String, BetaCounts> perOffer = new HashMap<>();
    for (int i = 0; i < offers; i++) {
      perOffer.put(key(i), new BetaCounts(1 + random.nextInt(50), 1 + random.nextInt(1000)));
    }
    Map<String, BetaCounts> perCategory = new HashMap<>();
    for (int c = 0; c < CATEGORIES; c++) {
      perCategory.put("cat-" + c, new BetaCounts(100 + c, 2000));
    }
    ThompsonState state = new ThompsonState(perOffer, perCategory, new BetaCounts(2000, 40000));
    return new RuntimeState(BudgetCounters.NONE, ModelStates.of(Map.of("ts", state)), Set.of());
  }

  static DecisionRequest request(long seed) {
    return new DecisionRequest(
        "customer-1",
        null,
        "web",
        "hero",
        5,
        Map.of("balance", 1500, "age", 42, "segment", "gold", "tenureMonths", 30),
        Map.of("device", "mobile"),
        NOW,
        seed);
  }
}
