package dev.arbiter.engine.scoring;

/**
 * How an outcome counts for learning. The caller classifies outcomes (built-in: {@code impression}
 * is neutral for propensity learning unless the tenant says otherwise, {@code click}, {@code
 * accept}, {@code convert} positive, {@code reject}, {@code dismiss} negative).
 */
public enum OutcomeClass {
  POSITIVE,
  NEGATIVE,
  /** Leaves learned state unchanged. */
  NEUTRAL
}
