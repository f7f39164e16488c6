package dev.arbiter.engine.pipeline;

import static dev.arbiter.engine.Fixtures.catalog;
import static dev.arbiter.engine.Fixtures.flow;
import static dev.arbiter.engine.Fixtures.offer;
import static dev.arbiter.engine.Fixtures.request;
import static dev.arbiter.engine.pipeline.Decisions.keys;
import static dev.arbiter.engine.pipeline.Decisions.reasons;
import static dev.arbiter.engine.pipeline.Decisions.removed;
import static dev.arbiter.engine.pipeline.Decisions.stage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.engine.DecisionEngine;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.trace.Stage;
import org.junit.jupiter.api.Test;

/** Scenario tests of the status stage, one per reason. */
class StatusStageTests {
  private final DecisionEngine engine = new DecisionEngine();

  @Test
  void shouldRemovePausedDraftAndRetiredOffersSayingWhy() {
    CatalogSnapshot snapshot =
        catalog()
            .offers(
                offer("active"),
                offer("gold-card").status("paused"),
                offer("new").status("draft"),
                offer("old").status("retired"))
            .flows(flow("f").offers("active", "gold-card", "new", "old"))
            .build();

    Decision decision = engine.decide(snapshot, request().build());

    assertThat(keys(decision)).containsExactly("active");
    assertThat(reasons(decision, Stage.STATUS))
        .containsExactly(
            "gold-card: Expected offer 'gold-card' to be active, but it is paused",
            "new: Expected offer 'new' to be active, but it is draft",
            "old: Expected offer 'old' to be active, but it is retired");
    assertThat(removed(decision, Stage.STATUS)).allMatch(r -> r.code().equals("status"));
    assertThat(stage(decision, Stage.STATUS).in()).isEqualTo(4);
    assertThat(stage(decision, Stage.STATUS).out()).isEqualTo(1);
  }
}
