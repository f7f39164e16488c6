package dev.arbiter.bench.rules;

import dev.arbiter.engine.rules.CompiledRule;
import dev.arbiter.engine.rules.JsonLogic;
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
  private io.github.jamsesso.jsonlogic.JsonLogic jamsesso;

  @Setup
  public void setUp() throws RuleCompilationException, JsonLogicException {
    Map<?, ?> cases = JsonLogicCases.load(JsonLogicCases.Keys.of(keys));
    data = cases.get("data");
    Object ruleJson = ((Map<?, ?>) cases.get("rules")).get(rule);
    ruleText = JsonMapper.builder().build().writeValueAsString(ruleJson);
    Object expected = ((Map<?, ?>) cases.get("expected")).get(rule);
    compiled = JsonLogic.compile(ruleJson);
    jamsesso = new io.github.jamsesso.jsonlogic.JsonLogic();
    check("arbiter", expected, compiled.evaluate(data));
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

  /** json-logic-java 1.1.0 with its parse cache warm. */
  @Benchmark
  public Object jsonLogicJava() throws JsonLogicException {
    return jamsesso.apply(ruleText, data);
  }
}
