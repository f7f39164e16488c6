package dev.arbiter.engine.trace;

/**
 * The filtering and ranking stages of the Recommend pipeline, in the order they run. {@link
 * #wireName()} is the stage name used in the HTTP decision trace.
 */
public enum Stage {
  STATUS("status"),
  SCHEDULE("schedule"),
  BUDGET("budget"),
  QUALIFICATION("qualification"),
  CONTACT_POLICY("contact_policy"),
  CHANNEL("channel"),
  SCORING("scoring"),
  ARBITRATION("arbitration");

  private final String wireName;

  Stage(String wireName) {
    this.wireName = wireName;
  }

  /** The stage's name in traces and metrics, e.g. {@code contact_policy}. */
  public String wireName() {
    return wireName;
  }
}
