package dev.arbiter.engine.pipeline;

/**
 * How much of an offer's budget is used in its period.
 *
 * @param decisions decisions that returned the offer, non-negative
 * @param cost the cost those decisions added up to, non-negative
 * @param unavailable whether the counter cannot be consulted now (its store is unreachable and the
 *     deployment refuses budgeted offers then): the offer cannot be counted, so it is not returned,
 *     whatever {@code decisions} and {@code cost} say (the last figures seen)
 */
public record BudgetUsage(long decisions, double cost, boolean unavailable) {
  /** Nothing used. */
  public static final BudgetUsage ZERO = new BudgetUsage(0, 0);

  /** Usage read from an available counter. */
  public BudgetUsage(long decisions, double cost) {
    this(decisions, cost, false);
  }

  /** These figures, from a counter that cannot be consulted now. */
  public BudgetUsage asUnavailable() {
    return unavailable ? this : new BudgetUsage(decisions, cost, true);
  }
}
