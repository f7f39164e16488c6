package dev.arbiter.engine.catalog;

import java.time.Duration;
import java.time.Period;
import java.time.format.DateTimeParseException;

/**
 * ISO-8601 durations for policy windows: {@code PT12H}, {@code P7D}, {@code P1DT12H} and weeks
 * ({@code P2W}). Months and years are refused because their length varies and a rolling window
 * needs a fixed one.
 */
final class Durations {
  private Durations() {}

  /** The duration, or null after reporting why {@code raw} is not one. */
  static Duration parse(Object raw, String path, Violations violations) {
    if (raw == null) {
      violations.add(path, "is required");
      return null;
    }
    if (!(raw instanceof String text)) {
      violations.add(
          path, "must be an ISO-8601 duration such as P7D, not " + Violations.describe(raw));
      return null;
    }
    Duration duration;
    try {
      duration = Duration.parse(text);
    } catch (DateTimeParseException notDuration) {
      try {
        Period period = Period.parse(text);
        if (period.getYears() != 0 || period.getMonths() != 0) {
          violations.add(
              path,
              "'" + text + "' uses months or years, whose length varies; use days, e.g. P30D");
          return null;
        }
        duration = Duration.ofDays(period.getDays());
      } catch (DateTimeParseException notPeriod) {
        violations.add(
            path, "'" + text + "' is not an ISO-8601 duration such as P7D, PT12H or P2W");
        return null;
      }
    }
    if (duration.isNegative() || duration.isZero()) {
      violations.add(path, "'" + text + "' must be longer than zero");
      return null;
    }
    return duration;
  }
}
