package dev.arbiter.engine.rules;

/**
 * A JSON Logic rule compiled to closures. Immutable and safe to share between threads.
 *
 * <p>Data is parsed JSON as plain Java values: {@code Map<String, ?>} for objects, {@code List<?>}
 * for arrays, {@code String}, any {@code Number}, {@code Boolean} and {@code null}.
 */
public interface CompiledRule {

  /**
   * Evaluates the rule against {@code data} with JSON Logic semantics.
   *
   * @return a JSON value in the same representation as the data
   * @throws RuleEvaluationException when the rule itself raises an error for this data (the {@code
   *     throw} operator, or an operation JSON Logic defines as an error, such as NaN)
   */
  Object evaluate(Object data);

  /** JSON Logic truthiness of {@link #evaluate(Object)}. */
  boolean test(Object data);

  /**
   * The rule written for a person, for decision reasons: {@code customer.balance >= 1000}, {@code
   * request.channel in ["web", "app"]}.
   */
  String describe();

  /** The rule as it was given to {@link JsonLogic#compile(Object)}. */
  Object source();
}
