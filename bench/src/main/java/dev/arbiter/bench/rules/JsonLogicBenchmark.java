package dev.arbiter.bench.rules;

import dev.arbiter.engine.rules.BoundData;
import dev.arbiter.engine.rules.CompiledRule;
import dev.arbiter.engine.rules.JsonLogic;
import dev.arbiter.engine.rules.PathTable;
import dev.arbiter.engine.rules.RuleCompilationException;
import io.github.jamsesso.jsonlogic.JsonLogicException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import tools.jackson.databind.json.JsonMapper;

/**
 * One JSON Logic rule evaluated against one parsed customer/request document, by Arbiter's compiled
 * rule and by json-logic-java 1.1.0 (jamsesso, which caches the parsed rule). Both get the same
 * {@code Map}-based data; the setup checks that both give the expected answer.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class JsonLogicBenchmark {
  @Param({"fiveClauses", "twoClauses", "arithmetic"})
  public String rule;

  /** How the data's property names were parsed: see {@link JsonLogicCases.Keys}. */
  @Param({"jackson3-default", "interned"})
  public String keys;

  private Object data;
  private String ruleText;
  private CompiledRule compiled;
  private PathTable table;
  private CompiledRule slotted;
  private BoundData bound;
  private io.github.jamsesso.jsonlogic.JsonLogic jamsesso;

  @Setup
  @SuppressWarnings("unchecked")
  public void setUp() throws RuleCompilationException, JsonLogicException {
    Map<?, ?> cases = JsonLogicCases.load(JsonLogicCases.Keys.of(keys));
    data = cases.get("data");
    Object ruleJson = ((Map<?, ?>) cases.get("rules")).get(rule);
    ruleText = JsonMapper.builder().build().writeValueAsString(ruleJson);
    Object expected = ((Map<?, ?>) cases.get("expected")).get(rule);
    compiled = JsonLogic.compile(ruleJson);
    table = PathTable.forRoots("customer", "request");
    slotted = JsonLogic.compile(ruleJson, table);
    table.freeze();
    bound = table.bind((Map<String, ?>) data);
    jamsesso = new io.github.jamsesso.jsonlogic.JsonLogic();
    check("arbiter", expected, compiled.evaluate(data));
    check("arbiter slots", expected, slotted.evaluate(bound));
    check("arbiter bind", expected, slotted.evaluate(table.bind((Map<String, ?>) data)));
    check("json-logic-java", expected, jamsesso.apply(ruleText, data));
    if (JsonLogicCases.keysInterned(data) != keys.equals("interned")) {
      throw new IllegalStateException("data keys are not parsed as " + keys);
    }
  }

  private static void check(String who, Object expected, Object actual) {
    if (!expected.equals(actual)) {
      throw new IllegalStateException(who + " answered " + actual + ", expected " + expected);
    }
  }

  /** Arbiter: the compiled rule's value, as JSON Logic defines it. */
  @Benchmark
  public Object arbiterEvaluate() {
    return compiled.evaluate(data);
  }

  /** Arbiter: the compiled rule's truthiness, the call the qualification stage makes. */
  @Benchmark
  public boolean arbiterTest() {
    return compiled.test(data);
  }

  /**
   * Arbiter as a decision runs it: the rule compiled into the catalog's path table and tested
   * against data bound to it, whose slots an earlier rule of the decision has filled (here: the
   * first invocation), so each path read is an array load.
   */
  @Benchmark
  public boolean arbiterTestSlots() {
    return slotted.test(bound);
  }

  /**
   * The worst case for slots, a decision with one rule: bind the data (allocating its slots) and
   * resolve every path of the rule, per call.
   */
  @Benchmark
  @SuppressWarnings("unchecked")
  public boolean arbiterBindAndTest() {
    return slotted.test(table.bind((Map<String, ?>) data));
  }

  /** json-logic-java 1.1.0 with its parse cache warm. */
  @Benchmark
  public Object jsonLogicJava() throws JsonLogicException {
    return jamsesso.apply(ruleText, data);
  }
}
