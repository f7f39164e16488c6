package dev.arbiter.budget;

/**
 * What {@link FailoverBudgetLedger} does with budgeted offers while its configured Redis is down.
 */
public enum BudgetOutagePolicy {
  /**
   * Keep serving: each node counts in its own memory, starting from the last values it knows
   * (PostgreSQL and what it last read from Redis). Budgets stay exact per node but N nodes may
   * together spend up to N times the budget that remained when Redis went away. What was counted is
   * added to Redis when it is back. The default: an outage does not switch offers off.
   */
  COUNT_LOCALLY,

  /**
   * Fail closed: {@link BudgetLedger#tryConsume} refuses every budgeted offer until Redis is back,
   * so no budget is ever exceeded, at the price of showing no budgeted offer during the outage.
   * Cost already spent ({@link BudgetLedger#addSpent}: what Respond charges) is still counted in
   * memory and added to Redis when it is back.
   */
  REFUSE
}
