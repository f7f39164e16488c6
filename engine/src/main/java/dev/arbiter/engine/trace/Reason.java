package dev.arbiter.engine.trace;

/**
 * Why an offer left the pipeline. Implementations hold the facts and format {@link #text()} only
 * when asked, so recording a removal on the hot path costs no string building. Implementations are
 * immutable and thread-safe.
 */
public interface Reason {

  /**
   * A stable, low-cardinality code for metrics and filtering: {@code status}, {@code schedule},
   * {@code budget}, {@code rule}, {@code rule_error}, {@code frequency_cap}, {@code cooldown},
   * {@code channel_fatigue}, {@code channel}, {@code placement}, {@code zero_factor}, {@code
   * ranked_out}.
   */
  String code();

  /**
   * The reason for a person, e.g. {@code rule min_balance: customer.balance >= 1000 failed} or
   * {@code frequency_cap: 3 impressions in P7D reached (max 3), policy weekly-cap}.
   */
  String text();
}
