package dev.arbiter.engine.pipeline;

import static dev.arbiter.engine.Fixtures.NOW;
import static dev.arbiter.engine.Fixtures.flow;
import static dev.arbiter.engine.Fixtures.model;
import static dev.arbiter.engine.Fixtures.policy;
import static dev.arbiter.engine.Fixtures.rule;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.engine.DecisionEngine;
import dev.arbiter.engine.Fixtures;
import dev.arbiter.engine.catalog.ArbitrationProfileDefinition;
import dev.arbiter.engine.catalog.CatalogBuilder;
import dev.arbiter.engine.catalog.CatalogDefinition;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.catalog.FlowDefinition;
import dev.arbiter.engine.catalog.InventoryDefinition;
import dev.arbiter.engine.catalog.OfferDefinition;
import dev.arbiter.engine.catalog.OfferValue;
import dev.arbiter.engine.policy.ContactEvent;
import dev.arbiter.engine.scoring.BetaCounts;
import dev.arbiter.engine.scoring.ThompsonState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/** Invariants of the pipeline over generated catalogs, customers and seeds. */
class PipelinePropertyTests {
  private static final String[] CATEGORIES = {"cards", "loans", "deals"};
  private static final String[] STATUSES = {"active", "active", "active", "active", "paused"};
  private final DecisionEngine engine = new DecisionEngine();

  /** One generated offer; all have a positive margin so value normalisation is a pure rescale. */
  record Traits(
      String status, int priority, int margin, int category, boolean webOnly, int minBalance) {}

  /** A generated world: offers, a customer and a seed. */
  record World(List<Traits> offers, int balance, List<Integer> impressions, long seed) {}

  @Provide
  Arbitrary<World> worlds() {
    Arbitrary<Traits> traits =
        Combinators.combine(
                Arbitraries.of(STATUSES),
                Arbitraries.integers().between(1, 100),
                Arbitraries.integers().between(1, 500),
                Arbitraries.integers().between(0, CATEGORIES.length - 1),
                Arbitraries.of(true, false, false, false),
                Arbitraries.of(0, 0, 100, 1000))
            .as(Traits::new);
    return Combinators.combine(
            traits.list().ofMinSize(1).ofMaxSize(25),
            Arbitraries.integers().between(0, 2000),
            Arbitraries.integers().between(0, 24).list().ofMaxSize(15),
            Arbitraries.longs())
        .as(World::new);
  }

  private static String key(int i) {
    return "o" + (i < 10 ? "0" : "") + i;
  }

  private static List<OfferDefinition> offers(World world) {
    List<OfferDefinition> list = new ArrayList<>();
    for (int i = 0; i < world.offers().size(); i++) {
      Traits t = world.offers().get(i);
      list.add(
          new OfferDefinition(
              "id" + i,
              key(i),
              key(i),
              null,
              CATEGORIES[t.category()],
              null,
              t.status(),
              null,
              null,
              t.priority(),
              new OfferValue(null, (double) t.margin(), null),
              t.webOnly() ? List.of("app") : null,
              null,
              null,
              Map.of(),
              Map.of("minBalance", t.minBalance())));
    }
    return list;
  }

  private static CatalogSnapshot snapshot(
      List<OfferDefinition> offers, String profileKey, int maxOffers) {
    FlowDefinition flow =
        new FlowDefinition(
            "f",
            "f",
            "f",
            "web",
            "hero",
            new InventoryDefinition(null, List.of(CATEGORIES)),
            "ts",
            profileKey,
            maxOffers,
            1);
    CatalogDefinition definition =
        new CatalogDefinition(
            "t",
            1,
            offers,
            List.of(
                rule(
                    "balance",
                    "all",
                    null,
                    "{'>=': [{'var': 'customer.balance'}, {'var': 'offer.attributes.minBalance'}]}"),
                rule(
                    "no_loans_for_minors",
                    "category",
                    "loans",
                    "{'!': {'<': [{'var': 'customer.age'}, 18]}}")),
            List.of(policy("cap", "frequency_cap", "offer", null, "{'max': 2, 'window': 'P7D'}")),
            List.of(model("ts", "thompson", "{'minEvidence': 5}", 0.1)),
            List.of(
                new ArbitrationProfileDefinition(
                    null,
                    "ws",
                    null,
                    "weighted_sum",
                    Fixtures.object("{'propensity': 2, 'value': 1, 'priority': 1}"),
                    500.0)),
            List.of(flow));
    return CatalogBuilder.build(definition).orElseThrow();
  }

  private Decision decide(CatalogSnapshot snapshot, World world, Integer limit) {
    List<ContactEvent> history = new ArrayList<>();
    for (int i = 0; i < world.impressions().size(); i++) {
      int index = world.impressions().get(i) % world.offers().size();
      history.add(
          new ContactEvent(
              "impression",
              key(index),
              CATEGORIES[world.offers().get(index).category()],
              "web",
              NOW.minus(Duration.ofHours(i * 13L))));
    }
    Map<String, BetaCounts> posteriors = new HashMap<>();
    Random random = new Random(world.seed());
    for (int i = 0; i < world.offers().size(); i++) {
      posteriors.put(key(i), new BetaCounts(1 + random.nextInt(40), 1 + random.nextInt(200)));
    }
    RuntimeState runtime =
        new RuntimeState(
            BudgetCounters.NONE,
            ModelStates.of(Map.of("ts", new ThompsonState(posteriors, Map.of(), null))),
            null);
    DecisionRequest request =
        new DecisionRequest(
            "c",
            null,
            "web",
            "hero",
            limit,
            Map.of("balance", world.balance(), "age", 17 + world.balance() % 3),
            Map.of(),
            NOW,
            world.seed());
    return engine.decide(snapshot, request, new CustomerState(history), runtime);
  }

  private static List<String> keys(Decision decision) {
    return decision.offers().stream().map(RankedOffer::offerKey).toList();
  }

  @Property(tries = 200)
  void identicalSeedsGiveIdenticalDecisions(@ForAll("worlds") World world) {
    CatalogSnapshot snapshot = snapshot(offers(world), null, 5);

    Decision first = decide(snapshot, world, null);
    Decision second = decide(snapshot(offers(world), null, 5), world, null);

    assertThat(second.offers()).isEqualTo(first.offers());
    assertThat(second.trace().scores()).isEqualTo(first.trace().scores());
    assertThat(second.trace().result()).isEqualTo(first.trace().result());
  }

  @Property(tries = 200)
  void removingAnOfferFromTheCatalogNeverAddsAnotherToTheResult(
      @ForAll("worlds") World world, @ForAll @IntRange(min = 0, max = 24) int victim) {
    List<OfferDefinition> offers = offers(world);
    int removed = victim % offers.size();
    List<OfferDefinition> fewer = new ArrayList<>(offers);
    String removedKey = fewer.remove(removed).key();

    for (String profile : new String[] {null, "ws"}) {
      // Without truncation, the result without the offer is the old result minus that offer.
      List<String> all = keys(decide(snapshot(offers, profile, 1000), world, null));
      List<String> allWithout =
          fewer.isEmpty() ? List.of() : keys(decide(snapshot(fewer, profile, 1000), world, null));
      Statistics.label("result size without truncation").collect(Math.min(all.size(), 5));
      List<String> expected = new ArrayList<>(all);
      expected.remove(removedKey);
      assertThat(allWithout).as("profile %s", profile).isEqualTo(expected);

      // With top 3, an offer outside the result leaves the result unchanged.
      List<String> top = keys(decide(snapshot(offers, profile, 3), world, null));
      if (!top.contains(removedKey) && !fewer.isEmpty()) {
        assertThat(keys(decide(snapshot(fewer, profile, 3), world, null)))
            .as("profile %s", profile)
            .isEqualTo(top);
      }
    }
  }

  @Property(tries = 200)
  void arbitrationIsDeterministicWhateverTheCatalogOrder(
      @ForAll("worlds") World world, @ForAll long shuffleSeed) {
    List<OfferDefinition> offers = offers(world);
    List<OfferDefinition> shuffled = new ArrayList<>(offers);
    Collections.shuffle(shuffled, new Random(shuffleSeed));

    Decision ordered = decide(snapshot(offers, null, 5), world, null);
    Decision reordered = decide(snapshot(shuffled, null, 5), world, null);

    assertThat(reordered.offers()).isEqualTo(ordered.offers());
  }

  @Property(tries = 200)
  void resultsAreRankedTopNWithinTheLimit(
      @ForAll("worlds") World world, @ForAll @IntRange(min = 1, max = 8) int limit) {
    Decision decision = decide(snapshot(offers(world), null, 5), world, limit);

    assertThat(decision.offers().size()).isLessThanOrEqualTo(Math.min(limit, 5));
    for (int i = 1; i < decision.offers().size(); i++) {
      RankedOffer before = decision.offers().get(i - 1);
      RankedOffer after = decision.offers().get(i);
      assertThat(before.score()).isGreaterThanOrEqualTo(after.score());
      assertThat(after.rank()).isEqualTo(before.rank() + 1);
    }
    for (var stage : decision.trace().stages()) {
      assertThat(stage.in() - stage.out()).isEqualTo(stage.removed().size());
    }
    List<String> returned = keys(decision);
    double lowest =
        decision.offers().isEmpty()
            ? 0
            : decision.offers().get(decision.offers().size() - 1).score();
    decision.trace().scores().stream()
        .filter(s -> !s.eliminated() && !returned.contains(s.offerKey()))
        .forEach(s -> assertThat(s.score()).isLessThanOrEqualTo(lowest));
  }
}
