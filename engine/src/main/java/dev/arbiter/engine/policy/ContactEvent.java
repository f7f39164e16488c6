package dev.arbiter.engine.policy;

import java.time.Instant;
import java.util.Objects;

/**
 * One entry of a customer's contact history: an outcome the channel reported (impression, click,
 * reject, …) or, when the caller records them, a {@code decision} entry for an offer that was
 * returned.
 *
 * @param outcome the outcome name, e.g. {@code impression}; never null
 * @param offerKey the offer's key; null when unknown (then no offer-scoped count sees it)
 * @param category the offer's category at the time; null when none
 * @param channel the channel it happened on; null when unknown
 * @param time when it happened (UTC); never null
 */
public record ContactEvent(
    String outcome, String offerKey, String category, String channel, Instant time) {
  public ContactEvent {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(time, "time");
  }
}
