package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.catalog.Offer;
import dev.arbiter.engine.catalog.QualificationRule;
import dev.arbiter.engine.trace.Reason;
import dev.arbiter.engine.trace.Stage;

/**
 * Keeps offers for which every applicable qualification rule holds, tried in key order; the first
 * failing rule is the reason. A rule that raises an error removes the offer with that error as the
 * reason; it never fails the decision. Rules that provably read no offer data are evaluated once
 * per decision and their result reused for every offer.
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
    int ruleCount = w.snapshot.rules().size();
    byte[] memo = ruleCount == 0 ? null : new byte[ruleCount];
    Reason[] memoReason = null;
    int kept = 0;
    for (int k = 0; k < w.count; k++) {
      int i = w.alive[k];
      Offer offer = w.candidates[i];
      QualificationRule[] rules = offer.rulesArray();
      Reason failure = null;
      boolean offerSet = false;
      for (QualificationRule rule : rules) {
        byte outcome;
        if (!rule.readsOffer() && memo[rule.ordinal()] != UNKNOWN) {
          outcome = memo[rule.ordinal()];
          if (outcome != PASSED) {
            failure = memoReason[rule.ordinal()];
          }
        } else {
          if (!offerSet) {
            w.data.offer(offer);
            offerSet = true;
          }
          try {
            outcome = rule.rule().test(w.data) ? PASSED : FAILED;
            if (outcome == FAILED) {
              failure = rule.failure();
            }
          } catch (RuntimeException e) {
            // RuleEvaluationException is the expected case; anything else is treated the same so
            // one bad rule cannot fail a decision.
            outcome = ERROR;
            failure = new Reasons.RuleError(rule, String.valueOf(e.getMessage()));
          }
          if (!rule.readsOffer()) {
            memo[rule.ordinal()] = outcome;
            if (outcome != PASSED) {
              if (memoReason == null) {
                memoReason = new Reason[ruleCount];
              }
              memoReason[rule.ordinal()] = failure;
            }
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
