package dev.arbiter.engine.rules;

/** The {@link CompiledRule} of {@link JsonLogic#compile(Object)}: a root node and its text. */
final class CompiledJsonLogicRule implements CompiledRule {
  private final Node root;
  private final Object source;
  private final String description;

  CompiledJsonLogicRule(Node root, Object source) {
    this.root = root;
    this.source = source;
    this.description = root.toString();
  }

  @Override
  public Object evaluate(Object data) {
    try {
      return root.eval(data, null);
    } catch (RuleEvaluationException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      // data of an unexpected shape must surface as a rule error, never as a crash of the caller
      throw new RuleEvaluationException(Values.INVALID_ARGUMENTS, String.valueOf(e));
    }
  }

  @Override
  public boolean test(Object data) {
    try {
      return root.test(data, null);
    } catch (RuleEvaluationException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      throw new RuleEvaluationException(Values.INVALID_ARGUMENTS, String.valueOf(e));
    }
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public Object source() {
    return source;
  }

  @Override
  public String toString() {
    return description;
  }
}
