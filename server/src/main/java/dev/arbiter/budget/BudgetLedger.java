package dev.arbiter.budget;

import dev.arbiter.engine.catalog.Budget;
import dev.arbiter.engine.catalog.BudgetPeriod;
import dev.arbiter.engine.pipeline.BudgetUsage;
import java.time.LocalDate;
import java.util.Map;

/**
 * Offer budget counters: what the engine reads before a decision and what Recommend adds after it.
 *
 * <p>A counter is identified by tenant, offer key and period: {@link BudgetPeriod#TOTAL} counts
 * forever, {@link BudgetPeriod#DAY} counts one calendar day that the caller names (computed in the
 * tenant's time zone). Cost is counted in millionths of the offer's currency unit, each added cost
 * rounded to the nearest millionth, so sums are exact (0.1 added ten times is exactly 1.0).
 *
 * <p>Implementations are thread-safe and answer quickly (the calls are on the decision path). The
 * exactness across nodes and after failures is each implementation's documented guarantee.
 */
public interface BudgetLedger {

  /**
   * The current usage of many offers' budgets, in one round trip to the counters.
   *
   * @param tenantId not null
   * @param offers offer key to the period of its budget; may be empty
   * @param day the day {@link BudgetPeriod#DAY} budgets count; ignored by {@code TOTAL}; not null
   *     when any period is {@code DAY}
   * @return an entry for every requested offer ({@link BudgetUsage#ZERO} when nothing was counted);
   *     never null
   */
  Map<String, BudgetUsage> usage(String tenantId, Map<String, BudgetPeriod> offers, LocalDate day);

  /**
   * Adds {@code decisions} and {@code cost} to the offer's counter only if the result stays within
   * the budget; otherwise changes nothing. The check and the addition are one atomic step, so
   * concurrent callers can never together exceed the budget.
   *
   * <p>Within the budget means: decisions used plus {@code decisions} at most {@code maxDecisions}
   * (when set), and cost used plus {@code cost} at most {@code maxCost} (when set); a consumption
   * without cost fits a cost budget only while the cost used is below {@code maxCost}. This is the
   * engine's budget stage rule, so an offer the engine kept is refused here only when others used
   * the rest of the budget in the meantime.
   *
   * @param tenantId not null
   * @param offerKey not null
   * @param budget the offer's budget; its period chooses the counter
   * @param day the day a {@code DAY} budget counts; ignored for {@code TOTAL}
   * @param decisions non-negative, usually 1
   * @param cost non-negative and finite, in the offer's currency unit
   * @return true if added; false if it would exceed the budget, or the counter cannot be known
   *     right now (see the implementation)
   */
  boolean tryConsume(
      String tenantId, String offerKey, Budget budget, LocalDate day, long decisions, double cost);

  /**
   * Adds cost already spent (what Respond charges at a positive outcome) to the offer's counter,
   * whatever its budget: no limit refuses it, and no outage policy does either, since refusing
   * would only make the counter forget money that is gone.
   *
   * @param period the period of the offer's budget; chooses the counter
   * @param day the day a {@code DAY} budget counts; ignored for {@code TOTAL}
   * @param cost non-negative and finite, in the offer's currency unit
   * @return true if added; false if the counter cannot be known right now (see the implementation)
   */
  boolean addSpent(
      String tenantId, String offerKey, BudgetPeriod period, LocalDate day, double cost);

  /**
   * Makes what was counted so far survive a restart of this process, as far as this ledger can: a
   * caller that must not lose a count (Respond's charges) waits for it before it forgets the count
   * was owed.
   *
   * @return true if nothing counted so far is held only in this process's memory any more; false if
   *     some is (it stays counted here, and a later call may succeed)
   */
  boolean flush();
}
