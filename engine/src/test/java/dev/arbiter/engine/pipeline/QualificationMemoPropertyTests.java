package dev.arbiter.engine.pipeline;

import static dev.arbiter.engine.Fixtures.catalog;
import static dev.arbiter.engine.Fixtures.flow;
import static dev.arbiter.engine.Fixtures.offer;
import static dev.arbiter.engine.Fixtures.request;
import static dev.arbiter.engine.Fixtures.rule;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.engine.DecisionEngine;
import dev.arbiter.engine.catalog.QualificationRuleDefinition;
import dev.arbiter.engine.trace.Removal;
import dev.arbiter.engine.trace.Stage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Rules evaluated once per decision and shared between offers (offer-free expressions, repeated on
 * many offers or scoped to many) decide every offer exactly as evaluating each offer on its own
 * does: the same offers removed, by the same rule, with the same reason.
 */
class QualificationMemoPropertyTests {
  /** A small pool, so that offers often repeat an expression; two read the offer. */
  private static final String[] EXPRESSIONS = {
    "{'>=': [{'var': 'customer.age'}, 18]}",
    "{'>=': [{'var': 'customer.age'}, {'var': 'offer.attributes.minAge'}]}",
    "{'in': [{'var': 'request.channel'}, ['web']]}",
    "{'<': [{'var': 'customer.balance'}, 500]}",
    "{'<': [{'var': 'customer.balance'}, {'var': 'offer.attributes.minAge'}]}",
    "{'throw': 'no score'}",
    "{'!': {'var': 'customer.blocked'}}",
  };

  private static final String[] CATEGORIES = {"cards", "loans"};

  private final DecisionEngine engine = new DecisionEngine();

  record OfferTraits(int minAge, int category, List<Integer> ownRules) {}

  record RuleOn(String scope, int target, int expression) {}

  record World(
      List<OfferTraits> offers,
      List<RuleOn> shared,
      int age,
      int balance,
      boolean blocked,
      String channel) {}

  @Provide
  Arbitrary<World> worlds() {
    Arbitrary<OfferTraits> offers =
        Combinators.combine(
                Arbitraries.integers().between(10, 70),
                Arbitraries.integers().between(0, 1),
                Arbitraries.integers().between(0, EXPRESSIONS.length - 1).list().ofMaxSize(3))
            .as(OfferTraits::new);
    Arbitrary<RuleOn> shared =
        Combinators.combine(
                Arbitraries.of("all", "category"),
                Arbitraries.integers().between(0, 1),
                Arbitraries.integers().between(0, EXPRESSIONS.length - 1))
            .as(RuleOn::new);
    return Combinators.combine(
            offers.list().ofMinSize(1).ofMaxSize(12),
            shared.list().ofMaxSize(3),
            Arbitraries.integers().between(10, 80),
            Arbitraries.integers().between(0, 1000),
            Arbitraries.of(true, false, false),
            Arbitraries.of("web", "app"))
        .as(World::new);
  }

  @Property(tries = 300)
  void shouldDecideEveryOfferAsIfItWereAlone(@ForAll("worlds") World world) {
    Decision together = engine.decide(catalogOf(world, -1).build(), requestOf(world));
    Map<String, String> removedTogether = removals(together);

    for (int i = 0; i < world.offers().size(); i++) {
      Decision alone = engine.decide(catalogOf(world, i).build(), requestOf(world));
      String key = key(i);
      assertThat(removedTogether.get(key))
          .as("offer %s among all (%s)", key, world)
          .isEqualTo(removals(alone).get(key));
    }
  }

  /** The world's catalog, or with {@code only} >= 0 just that offer and the rules it can see. */
  private static dev.arbiter.engine.Fixtures.CatalogSpec catalogOf(World world, int only) {
    List<dev.arbiter.engine.Fixtures.OfferSpec> offers = new ArrayList<>();
    List<QualificationRuleDefinition> rules = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < world.offers().size(); i++) {
      if (only >= 0 && i != only) {
        continue;
      }
      OfferTraits t = world.offers().get(i);
      offers.add(
          offer(key(i))
              .category(CATEGORIES[t.category()])
              .attributes("{'minAge': " + t.minAge() + "}"));
      keys.add(key(i));
      for (int r = 0; r < t.ownRules().size(); r++) {
        rules.add(rule(key(i) + "-r" + r, "offer", key(i), EXPRESSIONS[t.ownRules().get(r)]));
      }
    }
    for (int s = 0; s < world.shared().size(); s++) {
      RuleOn on = world.shared().get(s);
      rules.add(
          rule(
              "shared-" + s,
              on.scope(),
              on.scope().equals("all") ? null : CATEGORIES[on.target()],
              EXPRESSIONS[on.expression()]));
    }
    return catalog()
        .offers(offers.toArray(dev.arbiter.engine.Fixtures.OfferSpec[]::new))
        .rules(rules.toArray(QualificationRuleDefinition[]::new))
        .flows(flow("f").offers(keys.toArray(String[]::new)));
  }

  private static dev.arbiter.engine.pipeline.DecisionRequest requestOf(World world) {
    return request()
        .route(world.channel(), "hero")
        .flowKey("f")
        .attributes(
            "{'age': "
                + world.age()
                + ", 'balance': "
                + world.balance()
                + ", 'blocked': "
                + world.blocked()
                + "}")
        .build();
  }

  private static Map<String, String> removals(Decision decision) {
    Map<String, String> byOffer = new TreeMap<>();
    for (Removal r : Decisions.removed(decision, Stage.QUALIFICATION)) {
      byOffer.put(r.offerKey(), r.code() + " " + r.reason());
    }
    return byOffer;
  }

  private static String key(int i) {
    return "o" + (i < 10 ? "0" : "") + i;
  }
}
