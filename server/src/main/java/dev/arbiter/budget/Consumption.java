package dev.arbiter.budget;

/**
 * What one check-and-add did.
 *
 * @param outcome whether it was added, refused, or could not run because the counter is not there
 * @param count the counter after adding, or as it stands when refused; null when {@code UNSEEDED}
 */
record Consumption(Outcome outcome, BudgetCount count) {
  enum Outcome {
    ACCEPTED,
    EXHAUSTED,
    /** The counter is absent and no seed was given: seed it from the store and try again. */
    UNSEEDED
  }

  static final Consumption UNSEEDED = new Consumption(Outcome.UNSEEDED, null);

  boolean accepted() {
    return outcome == Outcome.ACCEPTED;
  }
}
