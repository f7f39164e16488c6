package dev.arbiter.engine.catalog;

/**
 * An offer's value fields, as in the API's {@code value}. Any may be null.
 *
 * @param revenue revenue per acceptance, in the tenant's currency
 * @param margin margin per acceptance
 * @param cost cost per decision (what a budget's {@code maxCost} counts)
 */
public record OfferValue(Double revenue, Double margin, Double cost) {
  public static final OfferValue NONE = new OfferValue(null, null, null);
}
