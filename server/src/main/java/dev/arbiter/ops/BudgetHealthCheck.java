package dev.arbiter.ops;

import dev.arbiter.budget.BudgetLedgerStatus;
import dev.arbiter.budget.FailoverBudgetLedger;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Budget counting: where counters live (Redis or this node), whether the configured Redis answers,
 * and whether counts are waiting to be saved to PostgreSQL. Never touches Redis itself.
 */
public class BudgetHealthCheck implements HealthCheck {
  private final FailoverBudgetLedger ledger;

  public BudgetHealthCheck(FailoverBudgetLedger ledger) {
    this.ledger = ledger;
  }

  @Override
  public String name() {
    return "budgets";
  }

  @Override
  public CheckResult check() {
    BudgetLedgerStatus s = ledger.status();
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("mode", s.mode());
    details.put("onOutage", s.onOutage().toString());
    details.put("unflushedCounters", s.unflushedCounters());
    if (s.lastError() != null) {
      details.put("lastError", s.lastError());
    }
    if (s.lastFlushError() != null) {
      details.put("lastFlushError", s.lastFlushError());
    }
    String status =
        !s.configured()
            ? CheckResult.DISABLED
            : s.healthy() ? CheckResult.UP : CheckResult.DEGRADED;
    if (!s.configured()) {
      details.put("note", "REDIS_URL is not set: budgets are exact per node, saved to PostgreSQL");
      status = s.lastFlushError() == null ? CheckResult.DISABLED : CheckResult.DEGRADED;
    }
    return new CheckResult(status, 0, details, false);
  }
}
