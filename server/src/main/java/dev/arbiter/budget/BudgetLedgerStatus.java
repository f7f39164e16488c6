package dev.arbiter.budget;

import java.time.Instant;

/**
 * What the budget ledger runs on, for {@code /api/health}.
 *
 * @param mode {@value #MODE_REDIS} or {@value #MODE_IN_PROCESS}: where counters are kept now
 * @param healthy false only while a configured Redis is unreachable (report {@code degraded}); true
 *     for the in-process mode chosen by configuration (report {@code disabled})
 * @param configured whether {@code REDIS_URL} was set
 * @param onOutage what happens to budgeted offers while Redis is unreachable
 * @param lastError the most recent Redis failure, or null if none; kept after recovery; never
 *     contains credentials
 * @param since when the current mode and health began
 * @param unflushedCounters counters changed here and not yet written to PostgreSQL
 * @param lastFlushError the most recent failure to write counters to PostgreSQL, or null if none;
 *     cleared by the next successful write
 */
public record BudgetLedgerStatus(
    String mode,
    boolean healthy,
    boolean configured,
    BudgetOutagePolicy onOutage,
    String lastError,
    Instant since,
    int unflushedCounters,
    String lastFlushError) {
  public static final String MODE_REDIS = "redis";
  public static final String MODE_IN_PROCESS = "in_process";
}
