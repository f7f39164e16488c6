package dev.arbiter.engine.rules;

/** Entry point: compiles JSON Logic rules. */
public final class JsonLogic {
  private JsonLogic() {}

  /**
   * Compiles a rule given as parsed JSON (see {@link CompiledRule} for the representation).
   *
   * @throws RuleCompilationException listing every problem found, each with a path into the rule
   */
  public static CompiledRule compile(Object rule) throws RuleCompilationException {
    throw new UnsupportedOperationException("not yet built");
  }
}
