package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.catalog.Offer;
import dev.arbiter.engine.trace.Stage;
import java.time.Instant;

/** Keeps offers whose schedule window {@code [startAt, endAt)} contains the request time. */
final class ScheduleStage implements PipelineStage {
  @Override
  public Stage stage() {
    return Stage.SCHEDULE;
  }

  @Override
  public void apply(DecisionWork w) {
    Instant now = w.request.time();
    int kept = 0;
    for (int k = 0; k < w.count; k++) {
      int i = w.alive[k];
      Offer offer = w.candidates[i];
      if (offer.startAt() != null && now.isBefore(offer.startAt())) {
        w.remove(i, Stage.SCHEDULE, new Reasons.Schedule(true, offer.startAt()));
      } else if (offer.endAt() != null && !now.isBefore(offer.endAt())) {
        w.remove(i, Stage.SCHEDULE, new Reasons.Schedule(false, offer.endAt()));
      } else {
        w.alive[kept++] = i;
      }
    }
    w.count = kept;
  }
}
