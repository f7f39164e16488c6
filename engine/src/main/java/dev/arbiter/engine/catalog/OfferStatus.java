package dev.arbiter.engine.catalog;

/** An offer's lifecycle status. Only {@link #ACTIVE} offers can be decided. */
public enum OfferStatus {
  DRAFT("draft"),
  ACTIVE("active"),
  PAUSED("paused"),
  RETIRED("retired");

  private final String wireName;

  OfferStatus(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** The status named {@code name} in the API, or null. */
  public static OfferStatus fromWireName(String name) {
    for (OfferStatus s : values()) {
      if (s.wireName.equals(name)) {
        return s;
      }
    }
    return null;
  }
}
