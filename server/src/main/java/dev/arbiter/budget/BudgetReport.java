package dev.arbiter.budget;

import dev.arbiter.catalog.CatalogSnapshots;
import dev.arbiter.engine.catalog.Budget;
import dev.arbiter.engine.catalog.BudgetPeriod;
import dev.arbiter.engine.catalog.Offer;
import dev.arbiter.engine.pipeline.BudgetUsage;
import dev.arbiter.shared.ApiException;
import dev.arbiter.shared.Page;
import dev.arbiter.tenant.TenantSettingsService;
import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How much of each offer's budget is used: what {@code GET /api/v1/budgets} answers. Budgets,
 * limits and {@code exhausted} are those of the tenant's current compiled catalog, the one
 * Recommend decides with (for a past day: that day's use under today's limits).
 *
 * <p>Today's counters and {@code total} ones are read from the ledger, as Recommend reads them
 * (Redis, or this node's memory without Redis, seeded from PostgreSQL). Earlier days are read from
 * PostgreSQL's copy, which the ledger writes behind once a second and which keeps every day: a read
 * of history never seeds a counter into Redis or memory.
 */
public final class BudgetReport {
  /**
   * One offer's budget and its use.
   *
   * @param day the day a {@code day} budget counts; null for {@code total}
   * @param remainingDecisions null when the budget has no {@code maxDecisions}
   * @param remainingCost null when the budget has no {@code maxCost}
   * @param exhausted whether Recommend skips the offer for it (as the engine's budget stage: no
   *     decision left, or no room for the offer's cost)
   */
  public record Line(
      String offerKey,
      String period,
      LocalDate day,
      Long maxDecisions,
      Double maxCost,
      long decisions,
      double cost,
      Long remainingDecisions,
      Double remainingCost,
      boolean exhausted) {}

  private final BudgetLedger ledger;
  private final BudgetCounterStore store;
  private final CatalogSnapshots snapshots;
  private final TenantSettingsService settings;
  private final Clock clock;

  public BudgetReport(
      BudgetLedger ledger,
      BudgetCounterStore store,
      CatalogSnapshots snapshots,
      TenantSettingsService settings,
      Clock clock) {
    this.ledger = Objects.requireNonNull(ledger, "ledger");
    this.store = Objects.requireNonNull(store, "store");
    this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * One page of the budgeted offers' use, by offer key: only the page's counters are read.
   *
   * @param day {@code yyyy-MM-dd} in the tenant's time zone, or null for today; not after today
   * @throws ApiException 422 {@code VALIDATION_FAILED} for a malformed or future day, a bad limit
   *     or cursor
   */
  public Page<Line> page(String tenantId, String day, Integer limit, String cursor) {
    LocalDate today = today(tenantId);
    LocalDate asked = day(day, today);
    Page<Offer> offers = Page.slice(budgeted(tenantId), Offer::key, limit, cursor);
    return new Page<>(lines(tenantId, offers.data(), asked, today), offers.pagination());
  }

  private List<Offer> budgeted(String tenantId) {
    List<Offer> budgeted = new ArrayList<>();
    for (Offer o : snapshots.current(tenantId).snapshot().offers()) {
      if (o.budget() != null) {
        budgeted.add(o);
      }
    }
    budgeted.sort(Comparator.comparing(Offer::key));
    return budgeted;
  }

  /**
   * One offer's budget use.
   *
   * @throws ApiException 404 {@code NOT_FOUND} when the catalog has no such offer or it has no
   *     budget; 422 as {@link #page}
   */
  public Line one(String tenantId, String offerKey, String day) {
    LocalDate today = today(tenantId);
    LocalDate asked = day(day, today);
    Offer offer = snapshots.current(tenantId).snapshot().offer(offerKey);
    if (offer == null) {
      throw ApiException.notFound("Offer '" + offerKey + "'");
    }
    if (offer.budget() == null) {
      throw new ApiException(
          404,
          "NOT_FOUND",
          "Not found",
          "Offer '" + offerKey + "' has no budget (set budget.maxDecisions or budget.maxCost)");
    }
    return lines(tenantId, List.of(offer), asked, today).get(0);
  }

  private LocalDate today(String tenantId) {
    return settings.cached(tenantId).dayOf(clock.instant());
  }

  /** The day asked for; today when none (or blank). */
  private static LocalDate day(String day, LocalDate today) {
    if (day == null || day.isBlank()) {
      return today;
    }
    LocalDate parsed;
    try {
      parsed = LocalDate.parse(day.strip());
    } catch (DateTimeParseException e) {
      throw ApiException.validation("day", "must be a date like 2026-12-05, got '" + day + "'");
    }
    if (parsed.isAfter(today)) {
      throw ApiException.validation("day", "is after today (" + today + ") in the tenant's zone");
    }
    return parsed;
  }

  private List<Line> lines(String tenantId, List<Offer> offers, LocalDate day, LocalDate today) {
    Map<String, BudgetPeriod> fromLedger = new LinkedHashMap<>();
    List<BudgetCounterKey> fromStore = new ArrayList<>();
    for (Offer o : offers) {
      BudgetPeriod period = o.budget().period();
      if (period == BudgetPeriod.TOTAL || day.equals(today)) {
        fromLedger.put(o.key(), period);
      } else {
        fromStore.add(BudgetCounterKey.of(tenantId, o.key(), period, day));
      }
    }
    Map<String, BudgetUsage> usage = new LinkedHashMap<>();
    if (!fromLedger.isEmpty()) {
      usage.putAll(ledger.usage(tenantId, fromLedger, today));
    }
    if (!fromStore.isEmpty()) {
      // A database that cannot be reached answers 503 DATABASE_UNAVAILABLE, as everywhere.
      store.load(fromStore).forEach((key, count) -> usage.put(key.offerKey(), count.usage()));
    }
    List<Line> lines = new ArrayList<>(offers.size());
    for (Offer o : offers) {
      lines.add(line(o, usage.getOrDefault(o.key(), BudgetUsage.ZERO), day));
    }
    return lines;
  }

  private static Line line(Offer o, BudgetUsage used, LocalDate day) {
    Budget b = o.budget();
    Double offerCost = o.value().cost();
    Long remainingDecisions =
        b.maxDecisions() == null ? null : Math.max(0, b.maxDecisions() - used.decisions());
    // In millionths, as the ledger counts: exact, and no 0.30000000000000004.
    Double remainingCost =
        b.maxCost() == null
            ? null
            : Math.max(0, BudgetCount.micros(b.maxCost()) - BudgetCount.micros(used.cost()))
                / 1_000_000.0;
    boolean exhausted =
        b.decisionsUsedUp(used.decisions())
            || b.costUsedUp(used.cost(), offerCost == null ? 0 : offerCost);
    return new Line(
        o.key(),
        b.period().wireName(),
        b.period() == BudgetPeriod.DAY ? day : null,
        b.maxDecisions(),
        b.maxCost(),
        used.decisions(),
        used.cost(),
        remainingDecisions,
        remainingCost,
        exhausted);
  }
}
