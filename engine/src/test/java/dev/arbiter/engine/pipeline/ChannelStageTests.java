package dev.arbiter.engine.pipeline;

import static dev.arbiter.engine.Fixtures.catalog;
import static dev.arbiter.engine.Fixtures.flow;
import static dev.arbiter.engine.Fixtures.offer;
import static dev.arbiter.engine.Fixtures.request;
import static dev.arbiter.engine.pipeline.Decisions.keys;
import static dev.arbiter.engine.pipeline.Decisions.reasons;
import static dev.arbiter.engine.pipeline.Decisions.removed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.engine.DecisionEngine;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.trace.Stage;
import org.junit.jupiter.api.Test;

/** Scenario tests of the channel stage, one per reason. */
class ChannelStageTests {
  private final DecisionEngine engine = new DecisionEngine();

  private final CatalogSnapshot snapshot =
      catalog()
          .offers(
              offer("web-only").channels("web"),
              offer("app-only").channels("app", "email"),
              offer("sidebar-only").placements("sidebar"),
              offer("anywhere"))
          .flows(
              flow("f").offers("web-only", "app-only", "sidebar-only", "anywhere"),
              flow("wild").route("*", "*").offers("web-only", "anywhere"))
          .build();

  @Test
  void shouldKeepOffersAllowedInTheRequestsChannelAndPlacement() {
    Decision decision = engine.decide(snapshot, request().build());

    assertThat(keys(decision)).containsExactlyInAnyOrder("web-only", "anywhere");
    assertThat(reasons(decision, Stage.CHANNEL))
        .containsExactly(
            "app-only: channel: Expected offer 'app-only' to be allowed here, but it may appear"
                + " only in channels [app, email], not in channel 'web'",
            "sidebar-only: placement: Expected offer 'sidebar-only' to be allowed here, but it"
                + " may appear only in placements [sidebar], not in placement 'hero'");
    assertThat(removed(decision, Stage.CHANNEL))
        .extracting(r -> r.code())
        .containsExactly("channel", "placement");
  }

  @Test
  void shouldRemoveRestrictedOffersWhenTheRequestNamesNoChannel() {
    Decision decision = engine.decide(snapshot, request().route(null, null).build());

    assertThat(decision.flowKey()).isEqualTo("wild");
    assertThat(keys(decision)).containsExactly("anywhere");
    assertThat(reasons(decision, Stage.CHANNEL))
        .containsExactly(
            "web-only: channel: Expected offer 'web-only' to be allowed here, but it may appear"
                + " only in channels [web], the request names no channel");
  }

  @Test
  void shouldUseTheFlowsChannelWhenTheRequestOnlyNamesTheFlow() {
    Decision decision = engine.decide(snapshot, request().flowKey("f").route(null, null).build());

    assertThat(keys(decision)).containsExactlyInAnyOrder("web-only", "anywhere");
  }
}
