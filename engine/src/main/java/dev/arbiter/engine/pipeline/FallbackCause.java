package dev.arbiter.engine.pipeline;

/** Why an offer was scored with its model's fallback score; named in the decision trace. */
enum FallbackCause {
  /** The model's circuit breaker is open: the model was not asked. */
  MODEL_UNAVAILABLE("model_unavailable: the model's circuit breaker is open"),
  /** The model raised an error (a failure its breaker counts). */
  MODEL_ERROR("model_error: the model raised an error"),
  /** The model answered no propensity in [0, 1] for this offer from this decision's data. */
  NO_SCORE(
      "no_score: the model gave no propensity for this offer from this decision's data (a missing"
          + " or non-numeric feature)"),
  /** The call to an external model's service failed (timeout, error status, bad answer). */
  EXTERNAL_FAILED("external_failed: the call to the model's service failed"),
  /** An external model's service answered but gave this offer no valid score. */
  EXTERNAL_UNSCORED("external_unscored: the model's service gave this offer no valid score");

  private final String text;

  FallbackCause(String text) {
    this.text = text;
  }

  /** The reason as the trace writes it; a model error with the error it raised. */
  String reason(String modelError) {
    return this == MODEL_ERROR && modelError != null ? text + ": " + modelError : text;
  }
}
