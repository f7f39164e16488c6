package dev.arbiter.engine.catalog;

/** Which offers a qualification rule applies to. */
public enum RuleScopeType {
  ALL("all"),
  CATEGORY("category"),
  SUBCATEGORY("subcategory"),
  OFFER("offer");

  private final String wireName;

  RuleScopeType(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** The scope type named {@code name} in the API, or null. */
  public static RuleScopeType fromWireName(String name) {
    for (RuleScopeType t : values()) {
      if (t.wireName.equals(name)) {
        return t;
      }
    }
    return null;
  }
}
