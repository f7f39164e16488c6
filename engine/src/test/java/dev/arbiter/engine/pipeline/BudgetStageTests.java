package dev.arbiter.engine.pipeline;

import static dev.arbiter.engine.Fixtures.catalog;
import static dev.arbiter.engine.Fixtures.flow;
import static dev.arbiter.engine.Fixtures.offer;
import static dev.arbiter.engine.Fixtures.request;
import static dev.arbiter.engine.pipeline.Decisions.keys;
import static dev.arbiter.engine.pipeline.Decisions.reasons;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.engine.DecisionEngine;
import dev.arbiter.engine.catalog.BudgetPeriod;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.trace.Stage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Scenario tests of the budget stage, one per reason. */
class BudgetStageTests {
  private final DecisionEngine engine = new DecisionEngine();

  private final CatalogSnapshot snapshot =
      catalog()
          .offers(
              offer("capped").budget(500L, null, "day"),
              offer("costly").value(null, 10.0, 2.0).budget(null, 100.0, "total"),
              offer("free").budget(null, 100.0, null),
              offer("unlimited"))
          .flows(flow("f").offers("capped", "costly", "free", "unlimited"))
          .build();

  @Test
  void shouldKeepOffersWithBudgetRemaining() {
    RuntimeState runtime =
        new RuntimeState(
            BudgetCounters.of(
                Map.of(
                    "capped", new BudgetUsage(499, 0),
                    "costly", new BudgetUsage(10, 98.0),
                    "free", new BudgetUsage(10, 99.99))),
            ModelStates.NONE,
            Set.of());

    Decision decision = engine.decide(snapshot, request().build(), CustomerState.NONE, runtime);

    assertThat(keys(decision)).containsExactlyInAnyOrder("capped", "costly", "free", "unlimited");
  }

  @Test
  void shouldRemoveOffersWhoseBudgetIsUsedUp() {
    List<String> asked = new ArrayList<>();
    BudgetCounters counters =
        (offerKey, period) -> {
          asked.add(offerKey + "/" + period);
          return switch (offerKey) {
            case "capped" -> new BudgetUsage(500, 0);
            case "costly" -> new BudgetUsage(10, 98.5);
            case "free" -> new BudgetUsage(10, 100.0);
            default -> BudgetUsage.ZERO;
          };
        };

    Decision decision =
        engine.decide(
            snapshot,
            request().build(),
            CustomerState.NONE,
            new RuntimeState(counters, ModelStates.NONE, null));

    assertThat(keys(decision)).containsExactly("unlimited");
    assertThat(reasons(decision, Stage.BUDGET))
        .containsExactly(
            "capped: budget: 500 of 500 decisions used today (max 500)",
            "costly: budget: cost 98.50 of 100.00 used in total, this decision would add 2.00"
                + " (max 100.00)",
            "free: budget: cost 100.00 of 100.00 used in total, this decision would add 0.00"
                + " (max 100.00)");
    assertThat(asked)
        .containsExactly(
            "capped/" + BudgetPeriod.DAY,
            "costly/" + BudgetPeriod.TOTAL,
            "free/" + BudgetPeriod.TOTAL);
  }
}
