package dev.arbiter.engine.arbitration;

/** Arbitration formulas. {@link #wireName()} is the API's {@code formula}. */
public enum Formula {
  /**
   * Weighted geometric mean {@code (p^wp · r^wr · v^wv · q^wq)^(1 / (wp + wr + wv + wq))}; a factor
   * that is 0 while its weight is positive eliminates the offer.
   */
  PRIE("prie"),
  /** Weighted arithmetic mean {@code (wp·p + wr·r + wv·v + wq·q) / (wp + wr + wv + wq)}. */
  WEIGHTED_SUM("weighted_sum");

  private final String wireName;

  Formula(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** The formula named {@code name} in the API, or null. */
  public static Formula fromWireName(String name) {
    for (Formula f : values()) {
      if (f.wireName.equals(name)) {
        return f;
      }
    }
    return null;
  }
}
