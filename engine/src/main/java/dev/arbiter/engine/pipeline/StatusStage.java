package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.trace.Stage;

/** Keeps offers whose status is {@code active}. */
final class StatusStage implements PipelineStage {
  @Override
  public Stage stage() {
    return Stage.STATUS;
  }

  @Override
  public void apply(DecisionWork w) {
    int kept = 0;
    for (int k = 0; k < w.count; k++) {
      int i = w.alive[k];
      if (w.flow.candidateActive(i)) {
        w.alive[kept++] = i;
      } else {
        w.remove(i, Stage.STATUS, w.candidates[i].statusReason());
      }
    }
    w.count = kept;
  }
}
