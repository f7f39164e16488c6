package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.catalog.Offer;
import dev.arbiter.engine.trace.Stage;

/**
 * Keeps offers allowed in the request's channel and placement (the flow's own when the request
 * names none and the flow's is not a wildcard). An offer that lists channels or placements is
 * removed when the request has none to compare.
 */
final class ChannelStage implements PipelineStage {
  @Override
  public Stage stage() {
    return Stage.CHANNEL;
  }

  @Override
  public void apply(DecisionWork w) {
    int kept = 0;
    for (int k = 0; k < w.count; k++) {
      int i = w.alive[k];
      if (w.flow.candidateUnrestricted(i)) {
        w.alive[kept++] = i;
        continue;
      }
      Offer offer = w.candidates[i];
      if (!offer.allowsChannel(w.channel)) {
        w.remove(
            i, Stage.CHANNEL, new Reasons.Channel(offer.key(), offer.channels(), w.channel, false));
      } else if (!offer.allowsPlacement(w.placement)) {
        w.remove(
            i,
            Stage.CHANNEL,
            new Reasons.Channel(offer.key(), offer.placements(), w.placement, true));
      } else {
        w.alive[kept++] = i;
      }
    }
    w.count = kept;
  }
}
