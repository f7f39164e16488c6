package dev.arbiter.engine;

import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.pipeline.CustomerState;
import dev.arbiter.engine.pipeline.Decision;
import dev.arbiter.engine.pipeline.DecisionRequest;
import dev.arbiter.engine.pipeline.Pipeline;
import dev.arbiter.engine.pipeline.RuntimeState;

/**
 * The one entry point of the decision engine. Thread-safe and stateless: one instance can serve
 * every tenant and thread. A decision does no I/O and reads no clock: time and randomness come with
 * the request, so identical inputs give identical decisions.
 *
 * <pre>{@code
 * CatalogSnapshot snapshot = CatalogBuilder.build(definition).orElseThrow();
 * Decision decision = engine.decide(snapshot, request, new CustomerState(history),
 *     new RuntimeState(budgetCounters, modelStates, openCircuitModelKeys));
 * }</pre>
 */
public final class DecisionEngine {
  private final Pipeline pipeline = new Pipeline();

  /**
   * Decides one request.
   *
   * @param snapshot the tenant's compiled catalog; never null
   * @param request the request; never null
   * @param customer the customer's contact history; never null ({@link CustomerState#NONE})
   * @param runtime budget counters, learned model state and unavailable models; never null ({@link
   *     RuntimeState#NONE})
   * @return the decision, never null; "no offer eligible" and "no flow" are decisions, not
   *     exceptions
   */
  public Decision decide(
      CatalogSnapshot snapshot,
      DecisionRequest request,
      CustomerState customer,
      RuntimeState runtime) {
    return pipeline.run(snapshot, request, customer, runtime);
  }

  /** Decides with no contact history, no budget use, no learned state. */
  public Decision decide(CatalogSnapshot snapshot, DecisionRequest request) {
    return decide(snapshot, request, CustomerState.NONE, RuntimeState.NONE);
  }
}
