package dev.arbiter.contact;

import java.time.Duration;
import java.util.Objects;

/**
 * How much history the store keeps.
 *
 * @param horizon how far back a history reaches (also the Redis TTL of an idle customer's list and
 *     the in-process expiry); longer than the longest policy window in use, default {@code P90D}
 * @param maxEvents the newest entries of each kind kept per customer, default 500: as many
 *     interactions and as many decision entries (returned offers, kept only while a policy counts
 *     them); older ones are dropped. The kinds are capped apart so that decision entries never push
 *     interactions out of a customer's list.
 * @param maxLocalCustomers customers held by the in-process store before the least recently used
 *     are evicted, default 100,000
 */
public record ContactHistoryProperties(Duration horizon, int maxEvents, int maxLocalCustomers) {
  /** The longest horizon that may be configured: ten years. */
  public static final Duration MAX_HORIZON = Duration.ofDays(3660);

  /** The most entries of each kind a customer's list may be configured to keep. */
  public static final int MAX_EVENTS = 10_000;

  public static final ContactHistoryProperties DEFAULTS =
      new ContactHistoryProperties(Duration.ofDays(90), 500, 100_000);

  public ContactHistoryProperties {
    Objects.requireNonNull(horizon, "horizon");
    if (horizon.isNegative() || horizon.isZero()) {
      throw new IllegalArgumentException("Expected a positive horizon, but got " + horizon);
    }
    if (maxEvents < 1 || maxEvents > MAX_EVENTS) {
      throw new IllegalArgumentException(
          "Expected maxEvents between 1 and " + MAX_EVENTS + ", but got " + maxEvents);
    }
    if (maxLocalCustomers < 1) {
      throw new IllegalArgumentException(
          "Expected maxLocalCustomers of at least 1, but got " + maxLocalCustomers);
    }
  }

  /**
   * {@code d} as policies and settings write it: {@code P90D} for whole days (not {@code PT2160H}).
   */
  public static String days(Duration d) {
    return d.toSeconds() % 86_400 == 0 && d.toNanosPart() == 0
        ? "P" + d.toDays() + "D"
        : d.toString();
  }
}
