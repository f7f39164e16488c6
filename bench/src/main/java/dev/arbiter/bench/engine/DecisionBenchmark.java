package dev.arbiter.bench.engine;

import dev.arbiter.engine.DecisionEngine;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.pipeline.CustomerState;
import dev.arbiter.engine.pipeline.Decision;
import dev.arbiter.engine.pipeline.DecisionRequest;
import dev.arbiter.engine.pipeline.RuntimeState;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One whole decision on the {@link ReferenceCatalog}: routing, the six filter stages, Thompson
 * scoring, PRIE arbitration and top 5. {@code decide} returns the ranked offers with per-stage
 * counts (what every request pays); {@code decideAndTrace} also formats the full trace (every
 * removal reason and per-offer score), what a traced request pays.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class DecisionBenchmark {
  @Param({"100", "1000", "10000"})
  int offers;

  @Param({"per_offer", "per_category"})
  String rules;

  private final DecisionEngine engine = new DecisionEngine();
  private CatalogSnapshot snapshot;
  private CustomerState customer;
  private RuntimeState runtime;
  private DecisionRequest[] requests;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    snapshot = ReferenceCatalog.snapshot(offers, rules);
    customer = ReferenceCatalog.customer(offers);
    runtime = ReferenceCatalog.runtime(offers);
    requests = new DecisionRequest[1024];
    for (int i = 0; i < requests.length; i++) {
      requests[i] = ReferenceCatalog.request(i);
    }
    Decision check = engine.decide(snapshot, requests[0], customer, runtime);
    if (check.offers().size() != 5) {
      throw new IllegalStateException("reference catalog should return 5 offers: " + check);
    }
  }

  private DecisionRequest nextRequest() {
    DecisionRequest request = requests[next];
    next = (next + 1) & (requests.length - 1);
    return request;
  }

  @Benchmark
  public Decision decide() {
    return engine.decide(snapshot, nextRequest(), customer, runtime);
  }

  @Benchmark
  public Object decideAndTrace() {
    return engine.decide(snapshot, nextRequest(), customer, runtime).trace();
  }
}
