package dev.arbiter.engine.rules;

import java.util.List;

/** A rule could not be compiled; {@link #problems()} lists every problem found, never empty. */
public final class RuleCompilationException extends Exception {
  private final List<RuleProblem> problems;

  public RuleCompilationException(List<RuleProblem> problems) {
    super(
        problems.isEmpty()
            ? "invalid rule"
            : (problems.get(0).path().isEmpty() ? "(root)" : problems.get(0).path())
                + ": "
                + problems.get(0).message()
                + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""));
    this.problems = List.copyOf(problems);
  }

  public List<RuleProblem> problems() {
    return problems;
  }
}
