package dev.arbiter.engine.rules;

/**
 * A rule raised an error for the data it was given. {@link #type()} is the JSON Logic error type
 * (for {@code {"throw": "x"}} it is {@code "x"}; {@code "NaN"} for arithmetic without a number).
 */
public final class RuleEvaluationException extends RuntimeException {
  private final Object type;

  public RuleEvaluationException(Object type, String message) {
    super(message, null, false, false);
    this.type = type;
  }

  public Object type() {
    return type;
  }
}
