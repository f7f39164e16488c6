package dev.arbiter.engine.policy;

/** The kinds of contact policy. {@link #wireName()} is the API's {@code type}. */
public enum PolicyType {
  /** At most {@code max} of an outcome per rolling window. */
  FREQUENCY_CAP("frequency_cap"),
  /** No contact for a duration after an outcome. */
  COOLDOWN("cooldown"),
  /** At most {@code max} contacts on one channel per rolling window, across offers. */
  CHANNEL_FATIGUE("channel_fatigue");

  private final String wireName;

  PolicyType(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** The type named {@code name} in the API, or null when there is none. */
  public static PolicyType fromWireName(String name) {
    for (PolicyType t : values()) {
      if (t.wireName.equals(name)) {
        return t;
      }
    }
    return null;
  }
}
