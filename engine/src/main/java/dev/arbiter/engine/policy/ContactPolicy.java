package dev.arbiter.engine.policy;

import java.time.Duration;
import java.util.Objects;

/**
 * A compiled, valid contact policy. Built by the catalog from a policy definition; immutable and
 * thread-safe.
 *
 * <p>Configuration per type (as in the API's {@code config}):
 *
 * <ul>
 *   <li>{@code frequency_cap}: {@code outcome} (counted outcome, default {@code impression}),
 *       {@code max} (at least 1), {@code window} (ISO-8601 duration). Suppresses when the count of
 *       that outcome inside the window has reached {@code max}.
 *   <li>{@code cooldown}: {@code outcome} (required), {@code duration}. Suppresses while the latest
 *       such outcome is less than {@code duration} old.
 *   <li>{@code channel_fatigue}: {@code channel} (optional; without it, the request's channel),
 *       {@code max}, {@code window}, {@code outcome} (default {@code impression}). Applies only
 *       when the request is on that channel; counts that outcome on that channel across offers.
 * </ul>
 *
 * @param ordinal the policy's index in its catalog snapshot, for per-decision tallies
 * @param key the policy's key
 * @param name the policy's name, may be null
 * @param type the policy's type
 * @param scopeType the scope type
 * @param scopeValue the scope value (a channel, category or offer key) or null
 * @param outcome the counted or triggering outcome
 * @param max the limit for {@code frequency_cap} and {@code channel_fatigue}; 0 for {@code
 *     cooldown}
 * @param window the rolling window, or the cooldown duration; positive
 * @param windowText the window as the catalog gave it, e.g. {@code P7D}, for reasons
 * @param channel the fatigued channel for {@code channel_fatigue}, or null
 */
public record ContactPolicy(
    int ordinal,
    String key,
    String name,
    PolicyType type,
    PolicyScopeType scopeType,
    String scopeValue,
    String outcome,
    int max,
    Duration window,
    String windowText,
    String channel) {
  public ContactPolicy {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(scopeType, "scopeType");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(window, "window");
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("window must be positive: " + window);
    }
    if (type != PolicyType.COOLDOWN && max < 1) {
      throw new IllegalArgumentException("max must be at least 1: " + max);
    }
  }

  /**
   * Whether this policy can ever apply to an offer with this key and category, whatever the
   * request. Used by the catalog to precompute each offer's policy list.
   */
  public boolean appliesToOffer(String offerKey, String category) {
    return switch (scopeType) {
      case GLOBAL, CHANNEL -> true;
      case CATEGORY -> scopeValue == null ? category != null : scopeValue.equals(category);
      case OFFER -> scopeValue == null || scopeValue.equals(offerKey);
    };
  }
}
