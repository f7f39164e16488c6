package dev.arbiter.engine.rules;

/**
 * Entry point: compiles JSON Logic rules.
 *
 * <p>Supported operators (a fixed whitelist; anything else is a compilation problem): {@code var
 * val exists missing missing_some if ?: and or ! !! == != === !== < <= > >= in + - * / % min max
 * cat substr merge map filter reduce all some none ?? try throw preserve}. Semantics follow the
 * JSON Logic community conformance suites (json-logic/compat-tables), which this engine passes in
 * full.
 */
public final class JsonLogic {
  private JsonLogic() {}

  /**
   * Compiles a rule given as parsed JSON (see {@link CompiledRule} for the representation). The
   * rule is copied: changing {@code rule} afterwards does not change the compiled rule.
   *
   * @throws RuleCompilationException listing every problem found, each with a path into the rule
   */
  public static CompiledRule compile(Object rule) throws RuleCompilationException {
    return compile(rule, null);
  }

  /**
   * Compiles a rule whose static data paths get slots in {@code table} (see {@link PathTable}), so
   * that against {@link BoundData} of that table every distinct path is resolved once, however many
   * rules read it. Against other data the rule behaves as one compiled without a table.
   *
   * @param table where paths get slots; null compiles without one
   * @throws RuleCompilationException listing every problem found, each with a path into the rule
   * @throws IllegalStateException when {@code table} is frozen
   */
  public static CompiledRule compile(Object rule, PathTable table) throws RuleCompilationException {
    Object source;
    try {
      source = Values.freeze(rule);
    } catch (StackOverflowError e) {
      throw new RuleCompilationException(
          java.util.List.of(new RuleProblem("", "the rule is nested too deeply")));
    }
    Node root;
    try {
      root = Compiler.compileRoot(source, table);
    } catch (StackOverflowError e) {
      throw new RuleCompilationException(
          java.util.List.of(new RuleProblem("", "the rule is nested too deeply")));
    }
    return new CompiledJsonLogicRule(root, source);
  }
}
