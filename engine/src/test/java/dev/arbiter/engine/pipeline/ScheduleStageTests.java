package dev.arbiter.engine.pipeline;

import static dev.arbiter.engine.Fixtures.catalog;
import static dev.arbiter.engine.Fixtures.flow;
import static dev.arbiter.engine.Fixtures.offer;
import static dev.arbiter.engine.Fixtures.request;
import static dev.arbiter.engine.pipeline.Decisions.keys;
import static dev.arbiter.engine.pipeline.Decisions.reasons;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.engine.DecisionEngine;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.trace.Stage;
import org.junit.jupiter.api.Test;

/** Scenario tests of the schedule stage, one per reason. */
class ScheduleStageTests {
  private final DecisionEngine engine = new DecisionEngine();

  private final CatalogSnapshot snapshot =
      catalog()
          .offers(
              offer("ended").schedule(null, "2026-11-01T00:00:00Z"),
              offer("future").schedule("2026-12-01T00:00:00Z", null),
              offer("running").schedule("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"),
              offer("ends-now").schedule(null, "2026-11-23T12:00:00Z"),
              offer("starts-now").schedule("2026-11-23T12:00:00Z", null))
          .flows(flow("f").offers("ended", "future", "running", "ends-now", "starts-now"))
          .build();

  @Test
  void shouldKeepOffersWhoseWindowContainsTheRequestTime() {
    Decision decision = engine.decide(snapshot, request().build());

    assertThat(keys(decision)).containsExactlyInAnyOrder("running", "starts-now");
    assertThat(reasons(decision, Stage.SCHEDULE))
        .containsExactly(
            "ended: schedule: ends 2026-11-01T00:00Z",
            "ends-now: schedule: ends 2026-11-23T12:00Z",
            "future: schedule: starts 2026-12-01T00:00Z");
  }

  @Test
  void shouldJudgeTheScheduleAtTheRequestTimeNotTheClock() {
    Decision decision = engine.decide(snapshot, request().time("2026-10-15T00:00:00Z").build());

    assertThat(keys(decision)).containsExactlyInAnyOrder("ended", "ends-now");
  }
}
