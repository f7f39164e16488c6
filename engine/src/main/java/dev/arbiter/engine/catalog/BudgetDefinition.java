package dev.arbiter.engine.catalog;

/**
 * An offer's budget, as in the API's {@code budget}.
 *
 * @param maxDecisions how many decisions may return the offer in the period, or null
 * @param maxCost how much cost those decisions may add up to, or null
 * @param period {@code total} or {@code day}; null means {@code total}
 */
public record BudgetDefinition(Long maxDecisions, Double maxCost, String period) {}
