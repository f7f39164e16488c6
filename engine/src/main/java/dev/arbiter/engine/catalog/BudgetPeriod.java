package dev.arbiter.engine.catalog;

/**
 * The period a budget counts over. What "today" means (the tenant's time zone) is the caller's
 * choice when it counts; the engine only compares the counters it is given.
 */
public enum BudgetPeriod {
  TOTAL("total"),
  DAY("day");

  private final String wireName;

  BudgetPeriod(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** The period named {@code name} in the API, or null. */
  public static BudgetPeriod fromWireName(String name) {
    for (BudgetPeriod p : values()) {
      if (p.wireName.equals(name)) {
        return p;
      }
    }
    return null;
  }
}
