package dev.arbiter.budget;

import dev.arbiter.catalog.CatalogSnapshots;
import dev.arbiter.engine.catalog.Budget;
import dev.arbiter.engine.catalog.BudgetPeriod;
import dev.arbiter.engine.catalog.Offer;
import dev.arbiter.engine.pipeline.BudgetUsage;
import dev.arbiter.shared.ApiException;
import dev.arbiter.tenant.TenantSettingsService;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How much of each offer's budget is used: what {@code GET /api/v1/budgets} answers. Budgets are
 * those of the tenant's current compiled catalog, the one Recommend decides with.
 *
 * <p>Today's and the two previous days' counters (and {@code total} ones) are read from the ledger,
 * as Recommend reads them (Redis or this node's memory, seeded from PostgreSQL); older days, which
 * the ledger no longer keeps, from PostgreSQL's copy, written behind once a second.
 */
public final class BudgetReport {
  /** Days the ledger keeps a daily counter after its day (as FailoverBudgetLedger forgets them). */
  private static final int LIVE_DAYS = 2;

  /**
   * One offer's budget and its use.
   *
   * @param day the day a {@code day} budget counts; null for {@code total}
   * @param remainingDecisions null when the budget has no {@code maxDecisions}
   * @param remainingCost null when the budget has no {@code maxCost}
   * @param exhausted whether Recommend skips the offer for it now
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
   * Every budgeted offer's use, by offer key.
   *
   * @param day {@code yyyy-MM-dd} in the tenant's time zone, or null for today; not after today
   * @throws ApiException 422 {@code VALIDATION_FAILED} for a malformed or future day
   */
  public List<Line> all(String tenantId, String day) {
    List<Offer> budgeted = new ArrayList<>();
    for (Offer o : snapshots.current(tenantId).snapshot().offers()) {
      if (o.budget() != null) {
        budgeted.add(o);
      }
    }
    budgeted.sort(Comparator.comparing(Offer::key));
    return lines(tenantId, budgeted, day(tenantId, day));
  }

  /**
   * One offer's budget use.
   *
   * @throws ApiException 404 {@code NOT_FOUND} when the catalog has no such offer or it has no
   *     budget; 422 as {@link #all}
   */
  public Line one(String tenantId, String offerKey, String day) {
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
    return lines(tenantId, List.of(offer), day(tenantId, day)).get(0);
  }

  private LocalDate day(String tenantId, String day) {
    LocalDate today =
        LocalDate.ofInstant(clock.instant(), ZoneId.of(settings.cached(tenantId).timeZone()));
    if (day == null) {
      return today;
    }
    LocalDate parsed;
    try {
      parsed = LocalDate.parse(day);
    } catch (DateTimeParseException e) {
      throw ApiException.validation("day", "must be a date like 2026-12-05, got '" + day + "'");
    }
    if (parsed.isAfter(today)) {
      throw ApiException.validation("day", "is after today (" + today + ") in the tenant's zone");
    }
    return parsed;
  }

  private List<Line> lines(String tenantId, List<Offer> offers, LocalDate day) {
    LocalDate today =
        LocalDate.ofInstant(clock.instant(), ZoneId.of(settings.cached(tenantId).timeZone()));
    boolean live = !day.isBefore(today.minusDays(LIVE_DAYS));
    Map<String, BudgetPeriod> fromLedger = new LinkedHashMap<>();
    List<BudgetCounterKey> fromStore = new ArrayList<>();
    for (Offer o : offers) {
      BudgetPeriod period = o.budget().period();
      if (live || period == BudgetPeriod.TOTAL) {
        fromLedger.put(o.key(), period);
      } else {
        fromStore.add(BudgetCounterKey.of(tenantId, o.key(), period, day));
      }
    }
    Map<String, BudgetUsage> usage =
        new LinkedHashMap<>(
            fromLedger.isEmpty() ? Map.of() : ledger.usage(tenantId, fromLedger, day));
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
    Long remainingDecisions =
        b.maxDecisions() == null ? null : Math.max(0, b.maxDecisions() - used.decisions());
    Double remainingCost = b.maxCost() == null ? null : Math.max(0, b.maxCost() - used.cost());
    boolean exhausted =
        (b.maxDecisions() != null && used.decisions() >= b.maxDecisions())
            || (b.maxCost() != null && used.cost() >= b.maxCost());
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
