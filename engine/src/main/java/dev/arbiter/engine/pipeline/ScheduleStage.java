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
    long seconds = now.getEpochSecond();
    int nanos = now.getNano();
    int kept = 0;
    for (int k = 0; k < w.count; k++) {
      int i = w.alive[k];
      int where = w.flow.scheduleCompare(i, seconds, nanos);
      if (where == 0) {
        w.alive[kept++] = i;
      } else {
        Offer offer = w.candidates[i];
        w.remove(
            i,
            Stage.SCHEDULE,
            where < 0
                ? new Reasons.Schedule(true, offer.startAt())
                : new Reasons.Schedule(false, offer.endAt()));
      }
    }
    w.count = kept;
  }
}
