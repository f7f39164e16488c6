package dev.arbiter.engine.rules;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * A rule raised an error for the data it was given. {@link #type()} is the JSON Logic error type
 * (for {@code {"throw": "x"}} it is {@code "x"}; {@code "NaN"} for arithmetic without a number).
 *
 * <p>The exception carries no stack trace: it is an expected outcome of evaluating a rule, and
 * {@code try} uses it for control flow.
 */
public final class RuleEvaluationException extends RuntimeException {
  private final Object type;
  private final Map<?, ?> error;

  public RuleEvaluationException(Object type, String message) {
    this(type, message, null);
  }

  /**
   * @param error the error as a JSON object, as a {@code try} fallback sees it; null for {@code
   *     {"type": type}}
   */
  public RuleEvaluationException(Object type, String message, Map<?, ?> error) {
    super(message, null, false, false);
    this.type = type;
    this.error = error;
  }

  public Object type() {
    return type;
  }

  /** The error as a JSON object, at least {@code {"type": type()}}; unmodifiable. */
  public Map<?, ?> error() {
    if (error != null) {
      return Collections.unmodifiableMap(error);
    }
    Map<String, Object> value = new HashMap<>();
    value.put("type", type);
    return Collections.unmodifiableMap(value);
  }
}
