package dev.arbiter.engine.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs the JSON Logic community conformance suites ({@code conformance/jsonlogic/}, 1,138 cases)
 * and requires every case to pass.
 *
 * <p>An expected error is met when evaluation raises a {@link RuleEvaluationException} of the
 * expected type. For the two structural error types, {@code "Invalid Arguments"} and {@code "NaN"},
 * it is also met when the compiler rejects the rule: a wrong arity, a missing operand array or an
 * operand literal of a type the operator can never accept is knowable before any data arrives, and
 * Arbiter reports it when the rule is saved rather than at decision time. The summary table counts
 * those separately.
 */
class JsonLogicConformanceTests {
  private static final String ROOT = "/conformance/jsonlogic/";
  private static final Set<Object> STRUCTURAL_ERRORS = Set.of("Invalid Arguments", "NaN");

  record Case(String suite, int number, String description, Map<?, ?> json) {
    @Override
    public String toString() {
      return suite + " #" + number + " " + description;
    }
  }

  enum Outcome {
    PASSED,
    REJECTED_AT_COMPILE_TIME,
    FAILED
  }

  record Result(Outcome outcome, String detail) {}

  static List<Case> cases(JsonMapper mapper) {
    List<Case> cases = new ArrayList<>();
    for (Object file : (List<?>) JsonValues.resource(mapper, ROOT + "index.json")) {
      int number = 0;
      for (Object item : (List<?>) JsonValues.resource(mapper, ROOT + file)) {
        if (item instanceof Map<?, ?> json) {
          number++;
          Object description = json.get("description");
          cases.add(
              new Case(
                  (String) file,
                  number,
                  description == null ? JsonValues.write(json.get("rule")) : description.toString(),
                  json));
        }
      }
    }
    return cases;
  }

  static Result run(Case c) {
    return run(c, false);
  }

  /**
   * With {@code slots}, the rule is compiled into a {@link PathTable} giving every static path a
   * slot, and evaluated (twice: slots empty, then filled) against the data bound to that table.
   */
  @SuppressWarnings("unchecked")
  static Result run(Case c, boolean slots) {
    Map<?, ?> json = c.json();
    Object rule = json.get("rule");
    Object data = json.get("data");
    PathTable table = slots ? PathTable.forAllPaths() : null;
    boolean expectsError = json.containsKey("error");
    Object expectedType = expectsError ? ((Map<?, ?>) json.get("error")).get("type") : null;
    CompiledRule compiled;
    try {
      compiled = JsonLogic.compile(rule, table);
      if (table != null) {
        table.freeze();
        if (data instanceof Map<?, ?> map) {
          data = table.bind((Map<String, ?>) map);
        }
      }
    } catch (RuleCompilationException e) {
      if (expectsError && STRUCTURAL_ERRORS.contains(expectedType)) {
        return new Result(Outcome.REJECTED_AT_COMPILE_TIME, e.problems().toString());
      }
      return new Result(Outcome.FAILED, "rejected at compile time: " + e.problems());
    }
    try {
      Object actual = compiled.evaluate(data);
      if (expectsError) {
        return new Result(
            Outcome.FAILED,
            "expected error " + expectedType + " but got " + JsonValues.write(actual));
      }
      if (!JsonValues.same(json.get("result"), actual)) {
        return new Result(
            Outcome.FAILED,
            "expected "
                + JsonValues.write(json.get("result"))
                + " but got "
                + JsonValues.write(actual));
      }
      if (!JsonValues.same(compiled.test(data), Values.truthy(actual))) {
        return new Result(Outcome.FAILED, "test() disagrees with evaluate()");
      }
      if (slots && !JsonValues.same(json.get("result"), compiled.evaluate(data))) {
        return new Result(Outcome.FAILED, "a second evaluation, with filled slots, disagrees");
      }
      return new Result(Outcome.PASSED, "");
    } catch (RuleEvaluationException e) {
      if (expectsError && JsonValues.same(expectedType, e.type())) {
        return new Result(Outcome.PASSED, "");
      }
      return new Result(
          Outcome.FAILED,
          "unexpected error "
              + e.type()
              + " ("
              + e.getMessage()
              + ")"
              + (expectsError
                  ? ", expected " + expectedType
                  : ", expected " + JsonValues.write(json.get("result"))));
    }
  }

  @TestFactory
  Stream<DynamicContainer> everyCase() {
    return cases(JsonValues.MAPPER).stream()
        .collect(
            java.util.stream.Collectors.groupingBy(
                Case::suite, java.util.LinkedHashMap::new, java.util.stream.Collectors.toList()))
        .entrySet()
        .stream()
        .map(
            suite ->
                DynamicContainer.dynamicContainer(
                    suite.getKey(),
                    suite.getValue().stream()
                        .map(
                            c ->
                                DynamicTest.dynamicTest(
                                    c.number() + " " + c.description(),
                                    () -> {
                                      Result r = run(c);
                                      assertThat(r.outcome())
                                          .as("%s: %s", c, r.detail())
                                          .isNotEqualTo(Outcome.FAILED);
                                    }))));
  }

  @Test
  void shouldPassEveryCaseOfEverySuite() {
    assertAllPass(JsonValues.MAPPER, "numbers as Integer/Long/Double");
  }

  @Test
  void shouldPassEveryCaseWithBigNumbers() {
    assertAllPass(JsonValues.BIG_MAPPER, "numbers as BigInteger/BigDecimal");
  }

  @Test
  void shouldPassEveryCaseWithPathSlots() {
    assertAllPass(JsonValues.MAPPER, "paths read from per-data slots", true);
  }

  private static void assertAllPass(JsonMapper mapper, String variant) {
    assertAllPass(mapper, variant, false);
  }

  private static void assertAllPass(JsonMapper mapper, String variant, boolean slots) {
    List<Case> cases = cases(mapper);
    Map<String, int[]> perSuite = new java.util.LinkedHashMap<>();
    List<String> failures = new ArrayList<>();
    int bound = 0;
    for (Case c : cases) {
      Result r = run(c, slots);
      if (slots && c.json().get("data") instanceof Map<?, ?>) {
        bound++;
      }
      int[] counts = perSuite.computeIfAbsent(c.suite(), k -> new int[3]);
      counts[0]++;
      if (r.outcome() != Outcome.FAILED) {
        counts[1]++;
      } else {
        failures.add(c + ": " + r.detail());
      }
      if (r.outcome() == Outcome.REJECTED_AT_COMPILE_TIME) {
        counts[2]++;
      }
    }
    StringBuilder table = new StringBuilder();
    table.append("JSON Logic conformance (").append(variant).append(")\n");
    table.append(String.format("%-32s %6s %6s %8s%n", "suite", "cases", "passed", "compile"));
    int total = 0;
    int passed = 0;
    int atCompile = 0;
    for (Map.Entry<String, int[]> e : perSuite.entrySet()) {
      int[] c = e.getValue();
      table.append(String.format("%-32s %6d %6d %8d%n", e.getKey(), c[0], c[1], c[2]));
      total += c[0];
      passed += c[1];
      atCompile += c[2];
    }
    table.append(
        String.format(
            "%-32s %6d %6d %8d  (%.1f%%; 'compile' = expected error reported at compile time)%n",
            "TOTAL", total, passed, atCompile, 100.0 * passed / total));
    System.out.print(table);
    assertThat(total).isEqualTo(1138);
    if (slots) {
      // the cases with object data (527) are the ones evaluated through slots
      assertThat(bound).isEqualTo(527);
    }
    assertThat(failures).as(table.toString()).isEmpty();
  }
}
