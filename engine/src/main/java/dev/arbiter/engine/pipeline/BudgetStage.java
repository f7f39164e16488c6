package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.catalog.Budget;
import dev.arbiter.engine.catalog.Offer;
import dev.arbiter.engine.trace.Stage;

/**
 * Keeps offers with budget remaining: fewer decisions used than {@code maxDecisions}, and cost used
 * plus the offer's cost per decision within {@code maxCost} (when the offer has no cost, cost used
 * below {@code maxCost}); an offer whose counter cannot be consulted now ({@link
 * BudgetUsage#unavailable()}) is removed too, as it could not be counted.
 */
final class BudgetStage implements PipelineStage {
  @Override
  public Stage stage() {
    return Stage.BUDGET;
  }

  @Override
  public void apply(DecisionWork w) {
    int kept = 0;
    for (int k = 0; k < w.count; k++) {
      int i = w.alive[k];
      if (!w.flow.candidateBudgeted(i)) {
        w.alive[kept++] = i;
        continue;
      }
      Offer offer = w.candidates[i];
      Budget budget = offer.budget();
      BudgetUsage usage = w.runtime.budgets().usage(offer.key(), budget.period());
      if (usage == null) {
        usage = BudgetUsage.ZERO;
      }
      Double costField = offer.value().cost();
      double cost = costField == null ? 0 : costField;
      if (usage.unavailable()) {
        w.remove(i, Stage.BUDGET, new Reasons.BudgetUnavailable(budget));
      } else if (budget.decisionsUsedUp(usage.decisions())) {
        w.remove(i, Stage.BUDGET, new Reasons.BudgetExhausted(budget, usage, cost, true));
      } else if (budget.costUsedUp(usage.cost(), cost)) {
        w.remove(i, Stage.BUDGET, new Reasons.BudgetExhausted(budget, usage, cost, false));
      } else {
        w.alive[kept++] = i;
      }
    }
    w.count = kept;
  }
}
