package dev.arbiter.engine.pipeline;

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
 */
public record RuntimeState(
    BudgetCounters budgets, ModelStates models, Set<String> unavailableModels) {
  /** No budgets used, no learned state, every model available. */
  public static final RuntimeState NONE =
      new RuntimeState(BudgetCounters.NONE, ModelStates.NONE, Set.of());

  public RuntimeState {
    Objects.requireNonNull(budgets, "budgets");
    Objects.requireNonNull(models, "models");
    unavailableModels = unavailableModels == null ? Set.of() : Set.copyOf(unavailableModels);
  }
}
