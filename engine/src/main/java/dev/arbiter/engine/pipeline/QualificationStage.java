package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.catalog.Offer;
import dev.arbiter.engine.rules.CompiledRule;
import dev.arbiter.engine.trace.Reason;
import dev.arbiter.engine.trace.Stage;

/**
 * Keeps offers for which every applicable qualification rule holds, tried in key order; the first
 * failing rule is the reason. A rule that raises an error removes the offer with that error as the
 * reason; it never fails the decision. Rules that provably read no offer data and apply to more
 * than one offer, or share their expression with other such rules, are evaluated once per decision
 * and the result reused for every offer (the reason still names the rule that applied).
 */
final class QualificationStage implements PipelineStage {
  private static final byte UNKNOWN = 0;
  private static final byte PASSED = 1;
  private static final byte FAILED = 2;
  private static final byte ERROR = 3;

  @Override
  public Stage stage() {
    return Stage.QUALIFICATION;
  }

  @Override
  public void apply(DecisionWork w) {
    byte[] memo = null;
    String[] memoError = null;
    int kept = 0;
    for (int k = 0; k < w.count; k++) {
      int i = w.alive[k];
      Offer offer = w.candidates[i];
      CompiledRule[] compiled = offer.compiledRulesArray();
      int[] slots = offer.ruleMemoSlotsArray();
      Reason failure = null;
      boolean offerSet = false;
      for (int r = 0; r < compiled.length; r++) {
        int slot = slots[r];
        if (slot >= 0 && memo != null && memo[slot] != UNKNOWN) {
          if (memo[slot] == FAILED) {
            failure = offer.ruleFailuresArray()[r];
            break;
          }
          if (memo[slot] == ERROR) {
            failure = new Reasons.RuleError(offer.rulesArray()[r], memoError[slot]);
            break;
          }
          continue;
        }
        if (!offerSet) {
          w.data.offer(offer);
          offerSet = true;
        }
        byte outcome;
        String error = null;
        try {
          outcome = compiled[r].test(w.data) ? PASSED : FAILED;
          if (outcome == FAILED) {
            failure = offer.ruleFailuresArray()[r];
          }
        } catch (RuntimeException e) {
          // RuleEvaluationException is the expected case; anything else is treated the same so
          // one bad rule cannot fail a decision.
          outcome = ERROR;
          error = String.valueOf(e.getMessage());
          failure = new Reasons.RuleError(offer.rulesArray()[r], error);
        }
        if (slot >= 0) {
          if (memo == null) {
            memo = new byte[w.snapshot.memoSlotCount()];
          }
          memo[slot] = outcome;
          if (error != null) {
            // Only a rule that raised an error needs its message kept; most decisions have none.
            if (memoError == null) {
              memoError = new String[memo.length];
            }
            memoError[slot] = error;
          }
        }
        if (outcome != PASSED) {
          break;
        }
      }
      if (failure == null) {
        w.alive[kept++] = i;
      } else {
        w.remove(i, Stage.QUALIFICATION, failure);
      }
    }
    w.count = kept;
  }
}
