package dev.arbiter.engine.policy;

/**
 * What a contact policy applies to and which history it counts. With a scope value the policy
 * applies to that channel/category/offer only and counts its history; without one it applies to
 * every channel/category/offer and counts each one's history separately (the request's channel, the
 * offer's own category, the offer itself).
 */
public enum PolicyScopeType {
  GLOBAL("global"),
  CHANNEL("channel"),
  CATEGORY("category"),
  OFFER("offer");

  private final String wireName;

  PolicyScopeType(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** The scope type named {@code name} in the API, or null when there is none. */
  public static PolicyScopeType fromWireName(String name) {
    for (PolicyScopeType t : values()) {
      if (t.wireName.equals(name)) {
        return t;
      }
    }
    return null;
  }
}
