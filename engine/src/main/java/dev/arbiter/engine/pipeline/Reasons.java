package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.catalog.Budget;
import dev.arbiter.engine.catalog.BudgetPeriod;
import dev.arbiter.engine.catalog.QualificationRule;
import dev.arbiter.engine.trace.Reason;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;

/** The reasons the pipeline's own stages record; each formats its text only when asked. */
final class Reasons {
  private Reasons() {}

  static String minutes(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC).toString();
  }

  record Schedule(boolean notYetStarted, Instant at) implements Reason {
    @Override
    public String code() {
      return "schedule";
    }

    @Override
    public String text() {
      return (notYetStarted ? "schedule: starts " : "schedule: ends ") + minutes(at);
    }
  }

  /** The offer's budget counter cannot be consulted now: it could not be counted (fail closed). */
  record BudgetUnavailable(Budget budget) implements Reason {
    @Override
    public String code() {
      return "budget";
    }

    @Override
    public String text() {
      return "budget: its counter cannot be consulted now, so the offer is not returned (the"
          + " budget store is unreachable, and budgeted offers are refused until it is back)";
    }
  }

  record BudgetExhausted(Budget budget, BudgetUsage usage, double cost, boolean byDecisions)
      implements Reason {
    @Override
    public String code() {
      return "budget";
    }

    @Override
    public String text() {
      String period = budget.period() == BudgetPeriod.DAY ? "today" : "in total";
      if (byDecisions) {
        return "budget: "
            + usage.decisions()
            + " of "
            + budget.maxDecisions()
            + " decisions used "
            + period
            + " (max "
            + budget.maxDecisions()
            + ")";
      }
      return String.format(
          Locale.ROOT,
          "budget: cost %.2f of %.2f used %s, this decision would add %.2f (max %.2f)",
          usage.cost(),
          budget.maxCost(),
          period,
          cost,
          budget.maxCost());
    }
  }

  record RuleError(QualificationRule rule, String message) implements Reason {
    @Override
    public String code() {
      return "rule_error";
    }

    @Override
    public String text() {
      return "rule " + rule.key() + ": " + rule.rule().describe() + " raised an error: " + message;
    }
  }

  record Channel(String offerKey, List<String> allowed, String wanted, boolean placement)
      implements Reason {
    @Override
    public String code() {
      return placement ? "placement" : "channel";
    }

    @Override
    public String text() {
      String what = placement ? "placement" : "channel";
      String requested =
          wanted == null ? "the request names no " + what : "not in " + what + " '" + wanted + "'";
      return what
          + ": Expected offer '"
          + offerKey
          + "' to be allowed here, but it may appear only in "
          + what
          + "s "
          + allowed
          + ", "
          + requested;
    }
  }

  record ZeroFactor(String factors) implements Reason {
    @Override
    public String code() {
      return "zero_factor";
    }

    @Override
    public String text() {
      return "arbitration: " + factors + " is 0; PRIE eliminates an offer with a zero factor";
    }
  }

  /**
   * Shared by every offer a decision ranks below the top N, so its text is formatted once however
   * many offers it explains.
   */
  static final class RankedOut implements Reason {
    private final int limit;
    private final double cutoffScore;
    private volatile String text;

    RankedOut(int limit, double cutoffScore) {
      this.limit = limit;
      this.cutoffScore = cutoffScore;
    }

    @Override
    public String code() {
      return "ranked_out";
    }

    @Override
    public String text() {
      String t = text;
      if (t == null) {
        t =
            String.format(
                Locale.ROOT,
                "arbitration: not in the top %d (the lowest returned offer scored %.6f)",
                limit,
                cutoffScore);
        text = t;
      }
      return t;
    }
  }
}
