package dev.arbiter.engine.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Compiled rules agree with {@link ReferenceJsonLogic} on random rules and data, errors included;
 * and compiling any JSON at all fails, if it fails, only with {@link RuleCompilationException}.
 */
class JsonLogicPropertyTests {
  private static final List<Object> SCALARS =
      Arrays.asList(
          0, 1, -1, 2, 3, 7, -4, 1000, 2.5, -0.5, 0.0, 1e3, "", "a", "b", "web", "1", "2.5", " 3 ",
          "abc", "0", true, false, null);
  private static final List<String> PATHS =
      List.of("a", "b", "c", "n.x", "n.y", "list", "list.0", "list.5", "missing", "n.missing");
  private static final List<String> CORE =
      List.of(
          "==", "===", "!=", "!==", "<", "<=", ">", ">=", "!", "!!", "and", "or", "if", "in", "+",
          "-", "*", "/", "%", "min", "max", "cat");

  record Example(Object rule, Object data) {
    @Override
    public String toString() {
      return JsonValues.write(rule) + " on " + JsonValues.write(data);
    }
  }

  @Provide
  Arbitrary<Example> examples() {
    return Arbitraries.randomValue(random -> new Example(rule(random, 3), data(random)));
  }

  @Property(tries = 3000)
  void compiledAndReferenceEvaluationsAgree(@ForAll("examples") Example example) {
    CompiledRule compiled;
    try {
      compiled = JsonLogic.compile(example.rule());
    } catch (RuleCompilationException e) {
      // a literal the operator can never accept (often produced by constant folding)
      Statistics.collect("rejected at compile time");
      Assume.that(false);
      return;
    }
    Statistics.collect("compiled");
    Object expected = null;
    String expectedError = null;
    try {
      expected = ReferenceJsonLogic.apply(example.rule(), example.data());
    } catch (ReferenceJsonLogic.Failure f) {
      expectedError = f.type;
    }
    Object actual = null;
    Object actualError = null;
    try {
      actual = compiled.evaluate(example.data());
    } catch (RuleEvaluationException e) {
      actualError = e.type();
    }
    assertThat(actualError).as("error of %s", example).isEqualTo(expectedError);
    if (expectedError == null) {
      assertThat(JsonValues.same(expected, actual))
          .as(
              "%s: reference %s, compiled %s",
              example, JsonValues.write(expected), JsonValues.write(actual))
          .isTrue();
      assertThat(compiled.test(example.data())).isEqualTo(ReferenceJsonLogic.truthy(expected));
    }
  }

  record Pair(Object first, Object second, Object data) {
    @Override
    public String toString() {
      return JsonValues.write(first)
          + " then "
          + JsonValues.write(second)
          + " on "
          + JsonValues.write(data);
    }
  }

  @Provide
  Arbitrary<Pair> pairs() {
    return Arbitraries.randomValue(
        random -> new Pair(rule(random, 3), rule(random, 3), data(random)));
  }

  /**
   * Two rules compiled into one {@link PathTable} and evaluated one after the other against the
   * same bound data (the second reads slots the first filled) answer exactly as each compiled alone
   * against the plain data, errors included.
   */
  @Property(tries = 3000)
  @SuppressWarnings("unchecked")
  void pathSlotsChangeNoAnswer(@ForAll("pairs") Pair pair) {
    PathTable table = PathTable.forAllPaths();
    CompiledRule first;
    CompiledRule second;
    CompiledRule plainFirst;
    CompiledRule plainSecond;
    try {
      first = JsonLogic.compile(pair.first(), table);
      second = JsonLogic.compile(pair.second(), table);
      plainFirst = JsonLogic.compile(pair.first());
      plainSecond = JsonLogic.compile(pair.second());
    } catch (RuleCompilationException e) {
      Assume.that(false);
      return;
    }
    table.freeze();
    Statistics.collect(table.size() == 0 ? "no slots" : "slots");
    BoundData bound = table.bind((Map<String, ?>) pair.data());
    for (int round = 0; round < 2; round++) {
      assertThat(outcome(first, bound)).as("%s", pair).isEqualTo(outcome(plainFirst, pair.data()));
      assertThat(outcome(second, bound))
          .as("%s", pair)
          .isEqualTo(outcome(plainSecond, pair.data()));
    }
  }

  /** What a rule answers, comparable: its value and truthiness as JSON, or its error type. */
  private static String outcome(CompiledRule rule, Object data) {
    try {
      Object value = rule.evaluate(data);
      return JsonValues.write(value) + " / " + rule.test(data);
    } catch (RuleEvaluationException e) {
      return "error " + e.type();
    }
  }

  @Provide
  Arbitrary<Example> anyJson() {
    return Arbitraries.randomValue(random -> new Example(anything(random, 4), anything(random, 3)));
  }

  @Property(tries = 3000)
  void compilingAnyJsonFailsOnlyWithACompilationException(@ForAll("anyJson") Example example) {
    CompiledRule compiled;
    try {
      compiled = JsonLogic.compile(example.rule());
    } catch (RuleCompilationException e) {
      assertThat(e.problems()).isNotEmpty();
      Statistics.collect("rejected");
      return;
    }
    Statistics.collect("compiled");
    assertThat(compiled.describe()).isNotNull();
    try {
      compiled.evaluate(example.data());
      compiled.test(example.data());
    } catch (RuleEvaluationException expected) {
      // errors raised by the rule are data, not crashes
    }
  }

  // ---------------------------------------------------------------- generators

  private static Object rule(Random random, int depth) {
    if (depth == 0 || random.nextInt(4) == 0) {
      return random.nextInt(3) == 0 ? pick(random, SCALARS) : var(random);
    }
    String op = pick(random, CORE);
    List<Object> args = new ArrayList<>();
    switch (op) {
      case "!", "!!" -> {
        if (random.nextBoolean()) {
          return java.util.Collections.singletonMap(op, rule(random, depth - 1));
        }
        args.add(rule(random, depth - 1));
      }
      case "in" -> {
        args.add(rule(random, depth - 1));
        if (random.nextBoolean()) {
          List<Object> haystack = new ArrayList<>();
          for (int i = random.nextInt(4); i > 0; i--) {
            haystack.add(pick(random, SCALARS));
          }
          args.add(haystack);
        } else {
          args.add(random.nextBoolean() ? var(random) : pick(random, List.of("web", "abc", "")));
        }
      }
      default -> {
        int min =
            switch (op) {
              case "==", "===", "!=", "!==", "<", "<=", ">", ">=", "%" -> 2;
              case "-", "/", "min", "max" -> 1;
              default -> 0;
            };
        int n = min + random.nextInt(op.equals("if") ? 6 : 3);
        for (int i = 0; i < n; i++) {
          args.add(rule(random, depth - 1));
        }
      }
    }
    return Map.of(op, args);
  }

  private static Object var(Random random) {
    String path = pick(random, PATHS);
    if (random.nextInt(5) == 0) {
      return Map.of("var", Arrays.asList(path, pick(random, SCALARS)));
    }
    return Map.of("var", path);
  }

  private static Object data(Random random) {
    Map<String, Object> data = new LinkedHashMap<>();
    for (String key : List.of("a", "b", "c")) {
      int roll = random.nextInt(10);
      if (roll == 0) {
        continue;
      }
      data.put(key, roll == 1 ? List.of(1, 2) : pick(random, SCALARS));
    }
    Map<String, Object> n = new LinkedHashMap<>();
    n.put("x", pick(random, SCALARS));
    n.put("y", pick(random, SCALARS));
    data.put("n", n);
    List<Object> list = new ArrayList<>();
    for (int i = random.nextInt(3); i > 0; i--) {
      list.add(pick(random, SCALARS));
    }
    data.put("list", list);
    return data;
  }

  private static final List<String> KEYS = new ArrayList<>(Compiler.OPERATORS);

  static {
    KEYS.addAll(List.of("foo", "", "constructor", "__proto__"));
    KEYS.sort(null);
  }

  /** Any JSON, biased towards operator objects so that the compiler is really exercised. */
  private static Object anything(Random random, int depth) {
    int roll = random.nextInt(depth <= 0 ? 4 : 8);
    switch (roll) {
      case 0, 1, 2, 3:
        return pick(random, SCALARS);
      case 4, 5:
        {
          List<Object> list = new ArrayList<>();
          for (int i = random.nextInt(4); i > 0; i--) {
            list.add(anything(random, depth - 1));
          }
          return list;
        }
      default:
        {
          Map<String, Object> map = new LinkedHashMap<>();
          int keys = random.nextInt(8) == 0 ? random.nextInt(3) : 1;
          for (int i = 0; i < keys; i++) {
            map.put(pick(random, KEYS), anything(random, depth - 1));
          }
          return map;
        }
    }
  }

  private static <T> T pick(Random random, List<T> values) {
    return values.get(random.nextInt(values.size()));
  }
}
