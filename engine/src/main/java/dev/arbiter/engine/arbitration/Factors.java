package dev.arbiter.engine.arbitration;

/**
 * How an offer's attributes become arbitration factors in [0, 1]. These definitions are part of the
 * contract:
 *
 * <ul>
 *   <li><b>propensity</b>: the scoring model's output (or its fallback score; 0.5 without a model).
 *   <li><b>value</b>: the offer's monetary value is its {@code margin} when set, else {@code
 *       revenue - cost} when revenue is set (cost counts as 0 when missing), else 0. The factor is
 *       {@code value / valueMax} clamped to [0, 1], where {@code valueMax} is the profile's {@code
 *       valueMax} when set and otherwise the largest value in the flow's inventory. When no offer
 *       of the flow has a positive value, every offer's factor is 1: value does not discriminate.
 *       An offer with no positive value next to offers that have one gets factor 0 (eliminated
 *       under PRIE when the value weight is positive). Under PRIE, rescaling every value factor by
 *       the same constant leaves the ranking unchanged, so adding or removing an offer does not
 *       reorder the others, except when the flow's only valued offer goes (every factor then turns
 *       from 0 to 1). Under the weighted sum the rescaling does reorder; set {@code valueMax} to
 *       make each offer's factors independent of the other offers.
 *   <li><b>priority</b>: {@code priority / 100} (0..100 → 0..1); priority 0 is eliminated under
 *       PRIE when the priority weight is positive.
 *   <li><b>relevance</b>: {@code request.context.relevance[offerKey]}, else {@code
 *       request.context.relevance[category]} (the caller's view of what fits the moment, e.g. the
 *       page's topic), else the offer attribute {@code relevance}, else 1. Numbers are clamped to
 *       [0, 1]; anything else is ignored.
 * </ul>
 */
public final class Factors {
  private Factors() {}

  /** The offer's monetary value as defined above, or null when it has none. */
  public static Double monetaryValue(Double revenue, Double margin, Double cost) {
    if (margin != null) {
      return margin;
    }
    if (revenue != null) {
      return revenue - (cost == null ? 0 : cost);
    }
    return null;
  }

  /** The value factor of {@code value} (null → 0) against {@code valueMax}. */
  public static double value(Double value, double valueMax) {
    if (!(valueMax > 0)) {
      return 1;
    }
    if (value == null || !(value > 0)) {
      return 0;
    }
    return Math.min(1, value / valueMax);
  }

  /** {@code priority / 100} clamped to [0, 1]. */
  public static double priority(int priority) {
    return Math.min(1, Math.max(0, priority / 100.0));
  }

  /** A relevance number clamped to [0, 1], or NaN when {@code raw} is not a finite number. */
  public static double relevance(Object raw) {
    if (raw instanceof Number n) {
      double x = n.doubleValue();
      if (Double.isNaN(x) || Double.isInfinite(x)) {
        return Double.NaN;
      }
      return Math.min(1, Math.max(0, x));
    }
    return Double.NaN;
  }
}
