package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.catalog.Offer;
import dev.arbiter.engine.policy.ContactPolicy;
import dev.arbiter.engine.policy.ContactPolicyEvaluator;
import dev.arbiter.engine.policy.Suppression;
import dev.arbiter.engine.trace.Stage;

/**
 * Keeps offers that no applicable contact policy suppresses, checked in policy key order; the first
 * suppressing policy is the reason. Each policy's history tally is computed once per decision.
 */
final class ContactPolicyStage implements PipelineStage {
  @Override
  public Stage stage() {
    return Stage.CONTACT_POLICY;
  }

  @Override
  public void apply(DecisionWork w) {
    if (w.customer.history().isEmpty()) {
      return; // every policy needs a contact to suppress (caps have a max of at least 1)
    }
    ContactPolicyEvaluator evaluator = null;
    int kept = 0;
    for (int k = 0; k < w.count; k++) {
      int i = w.alive[k];
      Offer offer = w.candidates[i];
      ContactPolicy[] policies = offer.policiesArray();
      Suppression suppression = null;
      if (policies.length > 0) {
        if (evaluator == null) {
          evaluator =
              new ContactPolicyEvaluator(
                  w.customer.history(), w.request.time(), w.channel, w.snapshot.policies().size());
        }
        for (ContactPolicy policy : policies) {
          suppression =
              evaluator.check(
                  policy, offer.key(), offer.keyHash(), offer.category(), offer.categoryHash());
          if (suppression != null) {
            break;
          }
        }
      }
      if (suppression == null) {
        w.alive[kept++] = i;
      } else {
        w.remove(i, Stage.CONTACT_POLICY, suppression);
      }
    }
    w.count = kept;
  }
}
