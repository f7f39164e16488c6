package dev.arbiter.bench.rules;

import dev.arbiter.engine.rules.CompiledRule;
import dev.arbiter.engine.rules.JsonLogic;
import dev.arbiter.engine.rules.RuleCompilationException;
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

/**
 * Reference points for {@link JsonLogicBenchmark}: the five-clause rule written by hand in Java
 * against the same maps (the floor for any evaluator of {@code Map} data), and the cost of
 * compiling it (paid once per catalog version, not per decision).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class JsonLogicFloorBenchmark {
  /** How the data's property names were parsed: see {@link JsonLogicCases.Keys}. */
  @Param({"jackson3-default", "interned"})
  public String keys;

  private Object data;
  private Object fiveClauses;

  @Setup
  public void setUp() throws RuleCompilationException {
    Map<?, ?> cases = JsonLogicCases.load(JsonLogicCases.Keys.of(keys));
    data = cases.get("data");
    fiveClauses = ((Map<?, ?>) cases.get("rules")).get("fiveClauses");
    if (!handWrittenFiveClauses()) {
      throw new IllegalStateException("the hand-written rule disagrees");
    }
  }

  /** The five-clause rule as a person would write it in Java, with constant keys. */
  @Benchmark
  public boolean handWrittenFiveClauses() {
    Map<?, ?> root = (Map<?, ?>) data;
    Map<?, ?> customer = (Map<?, ?>) root.get("customer");
    Map<?, ?> request = (Map<?, ?>) root.get("request");
    return customer.get("balance") instanceof Integer b
        && b >= 1000
        && request.get("channel") instanceof String c
        && (c.equals("web") || c.equals("app"))
        && customer.get("age") instanceof Integer a
        && a < 65
        && Boolean.FALSE.equals(customer.get("blocked"))
        && "gold".equals(customer.get("tier"));
  }

  /** Compiling the five-clause rule from parsed JSON. */
  @Benchmark
  public CompiledRule compileFiveClauses() throws RuleCompilationException {
    return JsonLogic.compile(fiveClauses);
  }
}
