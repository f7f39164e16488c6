package dev.arbiter.engine.pipeline;

/**
 * How much of an offer's budget is used in its period.
 *
 * @param decisions decisions that returned the offer, non-negative
 * @param cost the cost those decisions added up to, non-negative
 */
public record BudgetUsage(long decisions, double cost) {
  /** Nothing used. */
  public static final BudgetUsage ZERO = new BudgetUsage(0, 0);
}
