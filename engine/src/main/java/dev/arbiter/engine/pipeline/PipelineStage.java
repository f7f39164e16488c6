package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.trace.Stage;

/**
 * One stage of the pipeline: reads the surviving candidates of a decision, keeps those that pass
 * (compacting {@code alive} in order) and records a reason for each one it removes. Stages are
 * stateless and thread-safe; all per-decision state is in the work.
 */
interface PipelineStage {
  Stage stage();

  void apply(DecisionWork work);
}
