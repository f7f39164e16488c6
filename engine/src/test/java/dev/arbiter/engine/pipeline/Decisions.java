package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.trace.Removal;
import dev.arbiter.engine.trace.Stage;
import dev.arbiter.engine.trace.StageTrace;
import java.util.List;

/** Test helpers for reading decisions. */
final class Decisions {
  private Decisions() {}

  static List<String> keys(Decision decision) {
    return decision.offers().stream().map(RankedOffer::offerKey).toList();
  }

  static StageTrace stage(Decision decision, Stage stage) {
    return decision.trace().stages().stream()
        .filter(s -> s.stage() == stage)
        .findFirst()
        .orElseThrow();
  }

  static List<String> reasons(Decision decision, Stage stage) {
    return stage(decision, stage).removed().stream()
        .map(r -> r.offerKey() + ": " + r.reason())
        .toList();
  }

  static List<Removal> removed(Decision decision, Stage stage) {
    return stage(decision, stage).removed();
  }
}
