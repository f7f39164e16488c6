package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.catalog.Route;
import java.util.Objects;

/**
 * Runs the Recommend pipeline (DESIGN.md section 4): routing, then the stages in their fixed order,
 * timing each. Stateless and thread-safe.
 */
public final class Pipeline {
  private static final PipelineStage[] STAGES = {
    new StatusStage(),
    new ScheduleStage(),
    new BudgetStage(),
    new QualificationStage(),
    new ContactPolicyStage(),
    new ChannelStage(),
    new ScoringStage(),
    new ArbitrationStage()
  };

  /**
   * Decides one request.
   *
   * @param snapshot the tenant's catalog
   * @param request the request
   * @param customer the customer's contact history
   * @param runtime budget counters, model state and model availability
   * @return never null; a {@link Decision.Status#NO_FLOW} decision when no flow serves the request
   */
  public Decision run(
      CatalogSnapshot snapshot,
      DecisionRequest request,
      CustomerState customer,
      RuntimeState runtime) {
    Objects.requireNonNull(snapshot, "snapshot");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(customer, "customer");
    Objects.requireNonNull(runtime, "runtime");
    Route route = snapshot.route(request.flowKey(), request.channel(), request.placement());
    if (route == null) {
      return Decision.noFlow(snapshot.catalogVersion(), noFlowMessage(request));
    }
    DecisionWork work = new DecisionWork(snapshot, route.flow(), request, customer, runtime);
    for (PipelineStage stage : STAGES) {
      int ordinal = stage.stage().ordinal();
      work.stageIn[ordinal] = work.count;
      long start = System.nanoTime();
      stage.apply(work);
      work.stageNanos[ordinal] = System.nanoTime() - start;
      work.stageOut[ordinal] = work.count;
      work.stageRan[ordinal] = true;
    }
    return Decision.decided(work, route.how());
  }

  private static String noFlowMessage(DecisionRequest request) {
    if (request.flowKey() != null) {
      return "Expected a published flow '" + request.flowKey() + "', but there is none";
    }
    return "Expected a flow for channel "
        + quote(request.channel())
        + " and placement "
        + quote(request.placement())
        + ", but none serves them and there is no wildcard route";
  }

  private static String quote(String s) {
    return s == null ? "(none)" : "'" + s + "'";
  }
}
