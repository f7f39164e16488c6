package dev.arbiter.engine;

import static dev.arbiter.engine.Fixtures.NOW;
import static dev.arbiter.engine.Fixtures.catalog;
import static dev.arbiter.engine.Fixtures.flow;
import static dev.arbiter.engine.Fixtures.model;
import static dev.arbiter.engine.Fixtures.offer;
import static dev.arbiter.engine.Fixtures.policy;
import static dev.arbiter.engine.Fixtures.request;
import static dev.arbiter.engine.Fixtures.rule;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.pipeline.CustomerState;
import dev.arbiter.engine.pipeline.Decision;
import dev.arbiter.engine.pipeline.DecisionRequest;
import dev.arbiter.engine.pipeline.RankedOffer;
import dev.arbiter.engine.pipeline.RuntimeState;
import dev.arbiter.engine.policy.ContactEvent;
import dev.arbiter.engine.trace.DecisionTrace;
import dev.arbiter.engine.trace.Stage;
import dev.arbiter.engine.trace.StageTrace;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class DecisionEngineTests {
  private final DecisionEngine engine = new DecisionEngine();

  private final CatalogSnapshot snapshot =
      catalog()
          .version(41)
          .offers(
              offer("gold-card").category("cards").margin(120).priority(80),
              offer("silver-card").category("cards").margin(60).priority(60),
              offer("paused-card").category("cards").status("paused"),
              offer("expired").category("loans").schedule(null, "2026-11-01T00:00:00Z"),
              offer("loan").category("loans").margin(300).priority(40),
              offer("app-deal").category("deals").channels("app"))
          .rules(
              rule(
                  "min_balance",
                  "category",
                  "cards",
                  "{'>=': [{'var': 'customer.balance'}, 1000]}"))
          .policies(
              policy("weekly-cap", "frequency_cap", "offer", null, "{'max': 3, 'window': 'P7D'}"))
          .models(model("ts", "thompson", "{}", 0.05))
          .flows(
              flow("home")
                  .offers("gold-card", "silver-card", "paused-card", "expired", "loan", "app-deal")
                  .model("ts")
                  .maxOffers(2)
                  .version(3))
          .build();

  private final List<ContactEvent> history =
      List.of(
          new ContactEvent("impression", "loan", "loans", "web", NOW.minus(Duration.ofDays(1))),
          new ContactEvent("impression", "loan", "loans", "web", NOW.minus(Duration.ofDays(2))),
          new ContactEvent("impression", "loan", "loans", "web", NOW.minus(Duration.ofDays(3))));

  private Decision decide(DecisionRequest request) {
    return engine.decide(snapshot, request, new CustomerState(history), RuntimeState.NONE);
  }

  @Test
  void shouldReturnRankedOffersWithTheirFlowCatalogVersionAndContent() {
    Decision decision = decide(request().attributes("{'balance': 5000}").build());

    assertThat(decision.status()).isEqualTo(Decision.Status.DECIDED);
    assertThat(decision.flowKey()).isEqualTo("home");
    assertThat(decision.flowVersion()).isEqualTo(3);
    assertThat(decision.catalogVersion()).isEqualTo(41);
    assertThat(decision.routing()).isEqualTo("channel_placement");
    assertThat(decision.offers())
        .extracting(RankedOffer::offerKey)
        .containsExactlyInAnyOrder("gold-card", "silver-card");
    RankedOffer first = decision.offers().get(0);
    assertThat(first.rank()).isEqualTo(1);
    assertThat(first.offerId()).isEqualTo("id-" + first.offerKey());
    assertThat(first.name()).isEqualTo("Offer " + first.offerKey());
    assertThat(first.content()).containsEntry("headline", "Get " + first.offerKey());
    assertThat(first.score()).isBetween(0.0, 1.0);
    assertThat(first.propensity()).isBetween(0.0, 1.0);
    assertThat(decision.offers().get(0).score())
        .isGreaterThanOrEqualTo(decision.offers().get(1).score());
  }

  @Test
  void shouldTraceEveryStageInOrderWithCountsReasonsScoresAndResult() {
    Decision decision = decide(request().attributes("{'balance': 10}").build());
    DecisionTrace trace = decision.trace();

    assertThat(trace.flowKey()).isEqualTo("home");
    assertThat(trace.flowVersion()).isEqualTo(3);
    assertThat(trace.catalogVersion()).isEqualTo(41);
    assertThat(trace.candidates()).isEqualTo(6);
    assertThat(trace.stages())
        .extracting(s -> s.stage().wireName())
        .containsExactly(
            "status",
            "schedule",
            "budget",
            "qualification",
            "contact_policy",
            "channel",
            "scoring",
            "arbitration");
    assertThat(trace.stages())
        .extracting(StageTrace::in, StageTrace::out)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(6, 5),
            org.assertj.core.groups.Tuple.tuple(5, 4),
            org.assertj.core.groups.Tuple.tuple(4, 4),
            org.assertj.core.groups.Tuple.tuple(4, 2),
            org.assertj.core.groups.Tuple.tuple(2, 1),
            org.assertj.core.groups.Tuple.tuple(1, 0),
            org.assertj.core.groups.Tuple.tuple(0, 0),
            org.assertj.core.groups.Tuple.tuple(0, 0));
    for (StageTrace stage : trace.stages()) {
      assertThat(stage.in() - stage.out()).isEqualTo(stage.removed().size());
      assertThat(stage.durationMicros()).isGreaterThanOrEqualTo(0);
    }
    assertThat(trace.stages().get(4).removed().get(0).reason())
        .isEqualTo("frequency_cap: 3 impressions in P7D reached (max 3), policy weekly-cap");
    assertThat(trace.scores()).isEmpty();
    assertThat(trace.result()).isEmpty();
    assertThat(decision.offers()).isEmpty();
    assertThat(decision.stageIn(Stage.QUALIFICATION)).isEqualTo(4);
    assertThat(decision.stageOut(Stage.QUALIFICATION)).isEqualTo(2);
    assertThat(decision.trace()).isSameAs(trace);
  }

  @Test
  void shouldListScoresForEveryScoredOfferAndTheResultInRankOrder() {
    Decision decision = decide(request().attributes("{'balance': 5000}").build());
    DecisionTrace trace = decision.trace();

    assertThat(trace.scores())
        .extracting(s -> s.offerKey())
        .containsExactly("gold-card", "silver-card");
    assertThat(trace.result())
        .containsExactlyElementsOf(decision.offers().stream().map(RankedOffer::offerKey).toList());
  }

  @Test
  void shouldSayWhenNoFlowServesTheRequest() {
    Decision byRoute = decide(request().route("email", "inbox").build());
    Decision byKey = decide(request().flowKey("ghost").build());

    assertThat(byRoute.status()).isEqualTo(Decision.Status.NO_FLOW);
    assertThat(byRoute.offers()).isEmpty();
    assertThat(byRoute.catalogVersion()).isEqualTo(41);
    assertThat(byRoute.message())
        .isEqualTo(
            "Expected a flow for channel 'email' and placement 'inbox', but none serves them and"
                + " there is no wildcard route");
    assertThat(byKey.message()).isEqualTo("Expected a published flow 'ghost', but there is none");
    assertThat(byKey.trace().stages()).isEmpty();
    assertThat(byKey.trace().routing()).isEqualTo("none");
  }

  @Test
  void shouldRefuseARequestWithoutTimeOrWithANonPositiveLimit() {
    assertThatThrownBy(
            () -> new DecisionRequest("c", null, "web", "hero", null, Map.of(), Map.of(), null, 1))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> request().limit(0).build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldDecideConcurrentlyWithIdenticalResults() throws Exception {
    DecisionRequest request = request().attributes("{'balance': 5000}").seed(9).build();
    List<String> expected = decide(request).offers().stream().map(RankedOffer::offerKey).toList();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<String>>> futures =
          pool.invokeAll(
              java.util.Collections.nCopies(
                  200,
                  () -> decide(request).offers().stream().map(RankedOffer::offerKey).toList()));
      for (Future<List<String>> f : futures) {
        assertThat(f.get()).isEqualTo(expected);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
