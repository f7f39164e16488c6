package dev.arbiter.engine.policy;

import dev.arbiter.engine.trace.Reason;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * A policy suppressed an offer. Formats its text only when asked.
 *
 * @param policy the policy that suppressed
 * @param count the counted contacts (frequency cap, channel fatigue)
 * @param latest the triggering outcome's time (cooldown), else null
 */
public record Suppression(ContactPolicy policy, int count, Instant latest) implements Reason {

  @Override
  public String code() {
    return policy.type().wireName();
  }

  @Override
  public String text() {
    return switch (policy.type()) {
      case FREQUENCY_CAP ->
          "frequency_cap: "
              + count
              + " "
              + plural(policy.outcome(), count)
              + " in "
              + policy.windowText()
              + " reached (max "
              + policy.max()
              + "), policy "
              + policy.key();
      case CHANNEL_FATIGUE ->
          "channel_fatigue: "
              + count
              + " "
              + plural(policy.outcome(), count)
              + " on channel "
              + (policy.channel() == null ? "of the request" : policy.channel())
              + " in "
              + policy.windowText()
              + " reached (max "
              + policy.max()
              + "), policy "
              + policy.key();
      case COOLDOWN ->
          "cooldown: "
              + policy.outcome()
              + " at "
              + minutes(latest)
              + ", suppressed for "
              + policy.windowText()
              + " until "
              + minutes(latest.plus(policy.window()))
              + ", policy "
              + policy.key();
    };
  }

  static String minutes(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC).toString();
  }

  private static String plural(String outcome, int count) {
    if (count == 1) {
      return outcome;
    }
    if (outcome.endsWith("s")
        || outcome.endsWith("x")
        || outcome.endsWith("ch")
        || outcome.endsWith("sh")) {
      return outcome + "es";
    }
    return outcome + "s";
  }
}
