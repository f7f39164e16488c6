package dev.arbiter.engine.rules;

/**
 * One problem found while compiling a rule.
 *
 * @param path where in the rule, as a JSON-Pointer-like path from the root, e.g. {@code
 *     /and/1/>=/0}
 * @param message what is wrong, for a person
 */
public record RuleProblem(String path, String message) {}
