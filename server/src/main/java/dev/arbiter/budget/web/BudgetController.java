package dev.arbiter.budget.web;

import dev.arbiter.budget.BudgetReport;
import dev.arbiter.security.Caller;
import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import dev.arbiter.shared.Page;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/budgets} and {@code GET /api/v1/budgets/{offerKey}}: how much of each budgeted
 * offer's budget is used, today or on a given day ({@code ?day=yyyy-MM-dd}, tenant's time zone).
 */
@RestController
class BudgetController {
  private static final String PATH = "/api/v1/budgets";
  private final BudgetReport report;

  BudgetController(BudgetReport report) {
    this.report = report;
  }

  @GetMapping(PATH)
  @Requires(Permission.READ)
  Page<BudgetReport.Line> list(
      Caller caller,
      @RequestParam(required = false) String day,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    return report.page(caller.tenantId(), day, limit, cursor);
  }

  @GetMapping(PATH + "/{offerKey}")
  @Requires(Permission.READ)
  BudgetReport.Line get(
      Caller caller, @PathVariable String offerKey, @RequestParam(required = false) String day) {
    return report.one(caller.tenantId(), offerKey, day);
  }
}
