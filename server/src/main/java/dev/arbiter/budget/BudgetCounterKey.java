package dev.arbiter.budget;

import dev.arbiter.engine.catalog.BudgetPeriod;
import java.time.LocalDate;
import java.util.Objects;

/**
 * Which counter: one offer's budget in one period.
 *
 * @param tenantId not null
 * @param offerKey not null
 * @param periodKey {@value #TOTAL} or an ISO day {@code yyyy-MM-dd}
 */
public record BudgetCounterKey(String tenantId, String offerKey, String periodKey) {
  public static final String TOTAL = "total";

  public BudgetCounterKey {
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(offerKey, "offerKey");
    Objects.requireNonNull(periodKey, "periodKey");
  }

  /**
   * The counter of {@code offerKey}'s budget in {@code period}.
   *
   * @param day required for {@link BudgetPeriod#DAY}, ignored for {@link BudgetPeriod#TOTAL}
   */
  public static BudgetCounterKey of(
      String tenantId, String offerKey, BudgetPeriod period, LocalDate day) {
    Objects.requireNonNull(period, "period");
    if (period == BudgetPeriod.TOTAL) {
      return new BudgetCounterKey(tenantId, offerKey, TOTAL);
    }
    if (day == null) {
      throw new IllegalArgumentException(
          "Expected a day for the daily budget of offer '" + offerKey + "', but got none");
    }
    return new BudgetCounterKey(tenantId, offerKey, day.toString());
  }

  /** Whether this is a daily counter of a day before {@code day}. */
  public boolean isDayBefore(LocalDate day) {
    // ISO days compare as strings; avoids parsing every key when sweeping.
    return !periodKey.equals(TOTAL) && periodKey.compareTo(day.toString()) < 0;
  }

  /** The day this counter counts, or null for a total counter. */
  public LocalDate day() {
    return periodKey.equals(TOTAL) ? null : LocalDate.parse(periodKey);
  }
}
