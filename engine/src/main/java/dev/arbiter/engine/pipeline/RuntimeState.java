package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.scoring.ExternalScorer;
import java.util.Objects;
import java.util.Set;

/**
 * State the caller keeps across customers: budget counters, learned model state, and which models
 * are unavailable (an open circuit breaker): every offer scored by an unavailable model gets the
 * model's fallback score, flagged.
 *
 * @param budgets never null
 * @param models never null
 * @param unavailableModels keys of models to treat as unavailable; copied, null means none
 * @param external asks an {@code external} model's service for scores ({@link ExternalScorer#NONE}:
 *     every such call fails)
 */
public record RuntimeState(
    BudgetCounters budgets,
    ModelStates models,
    Set<String> unavailableModels,
    ExternalScorer external) {
  /** No budgets used, no learned state, every model available, no external scorer. */
  public static final RuntimeState NONE =
      new RuntimeState(BudgetCounters.NONE, ModelStates.NONE, Set.of());

  public RuntimeState {
    Objects.requireNonNull(budgets, "budgets");
    Objects.requireNonNull(models, "models");
    unavailableModels = unavailableModels == null ? Set.of() : Set.copyOf(unavailableModels);
    Objects.requireNonNull(external, "external");
  }

  /** Without an external scorer: an {@code external} model's offers all get its fallback score. */
  public RuntimeState(BudgetCounters budgets, ModelStates models, Set<String> unavailableModels) {
    this(budgets, models, unavailableModels, ExternalScorer.NONE);
  }
}
