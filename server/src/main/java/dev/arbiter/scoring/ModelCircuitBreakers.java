package dev.arbiter.scoring;

import dev.arbiter.ops.CheckResult;
import dev.arbiter.ops.HealthCheck;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One Resilience4j circuit breaker per tenant and model: 5 consecutive failed decisions open it, it
 * half-opens after 60 s, and 3 successes close it. While open, decisions score that model's offers
 * with its fallback score. Failures count {@code arbiter_model_failures_total{type}}; {@code
 * /api/health} reports open breakers as {@code degraded}; {@code
 * arbiter_model_circuit_breakers{state}} counts the breakers in each state (closed, open,
 * half_open) and {@code arbiter_model_circuit_breaker_transitions_total{to}} the changes, so an
 * alert can fire on an open breaker without polling the health check.
 */
public class ModelCircuitBreakers implements HealthCheck {
  private final CircuitBreakerRegistry registry;
  private final Map<String, Set<String>> openByTenant = new ConcurrentHashMap<>();
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(ModelCircuitBreakers.class);
  private static final int FAILURES_TO_OPEN = 5;

  private final MeterRegistry meters;
  private final Duration openFor;

  public ModelCircuitBreakers(MeterRegistry meters) {
    this(meters, Duration.ofSeconds(60));
  }

  /** With a chosen open duration (tests). */
  public ModelCircuitBreakers(MeterRegistry meters, Duration openFor) {
    this.meters = meters;
    this.openFor = openFor;
    this.registry =
        CircuitBreakerRegistry.of(
            CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(FAILURES_TO_OPEN)
                .minimumNumberOfCalls(FAILURES_TO_OPEN)
                .failureRateThreshold(100)
                .waitDurationInOpenState(openFor)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .permittedNumberOfCallsInHalfOpenState(3)
                .build());
    for (CircuitBreaker.State state :
        List.of(
            CircuitBreaker.State.CLOSED,
            CircuitBreaker.State.OPEN,
            CircuitBreaker.State.HALF_OPEN)) {
      io.micrometer.core.instrument.Gauge.builder(
              "arbiter.model.circuit.breakers", registry, r -> inState(r, state))
          .description("Model circuit breakers (one per tenant and model) in each state")
          .tag("state", wireName(state))
          .register(meters);
    }
  }

  private static double inState(CircuitBreakerRegistry registry, CircuitBreaker.State state) {
    return registry.getAllCircuitBreakers().stream().filter(b -> b.getState() == state).count();
  }

  private static String wireName(CircuitBreaker.State state) {
    return state.name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Model keys of the tenant whose breaker is open: decide them with the fallback score. */
  public Set<String> unavailable(String tenantId) {
    Set<String> open = openByTenant.get(tenantId);
    return open == null || open.isEmpty() ? Set.of() : Set.copyOf(open);
  }

  /**
   * Whether a model that calls out ({@code external}) may make a call now: its breaker is closed,
   * or half-open with a trial call left (3 at a time). Each permitted call must be followed by
   * {@link #record} of how it went.
   */
  public boolean tryCall(String tenantId, String modelKey) {
    return breaker(tenantId, modelKey).tryAcquirePermission();
  }

  /**
   * Records how a model did in one decision.
   *
   * @param failed whether the model failed (its offers got the fallback score)
   */
  public void record(String tenantId, String modelKey, String modelType, boolean failed) {
    CircuitBreaker breaker = breaker(tenantId, modelKey);
    if (failed) {
      Counter.builder("arbiter.model.failures")
          .description("Decisions in which a model failed and its fallback score was used")
          .tag("type", modelType)
          .register(meters)
          .increment();
      breaker.onError(0, TimeUnit.NANOSECONDS, new ModelFailure(modelKey));
    } else {
      breaker.onSuccess(0, TimeUnit.NANOSECONDS);
    }
  }

  private CircuitBreaker breaker(String tenantId, String modelKey) {
    String name = tenantId + "/" + modelKey;
    return registry
        .find(name)
        .orElseGet(
            () -> {
              CircuitBreaker b = registry.circuitBreaker(name);
              b.getEventPublisher()
                  .onStateTransition(
                      e -> {
                        CircuitBreaker.State to = e.getStateTransition().getToState();
                        Counter.builder("arbiter.model.circuit.breaker.transitions")
                            .description("Model circuit breakers changing state, by the new state")
                            .tag("to", wireName(to))
                            .register(meters)
                            .increment();
                        Set<String> open =
                            openByTenant.computeIfAbsent(
                                tenantId, t -> ConcurrentHashMap.newKeySet());
                        if (to == CircuitBreaker.State.OPEN) {
                          open.add(modelKey);
                          log.warn(
                              "Model {} of tenant {}: circuit breaker open after {}; its offers"
                                  + " get the fallback score for {} s",
                              modelKey,
                              tenantId,
                              e.getStateTransition().getFromState()
                                      == CircuitBreaker.State.HALF_OPEN
                                  ? "failed trial calls while half-open"
                                  : FAILURES_TO_OPEN + " failed decisions in a row",
                              openFor.toMillis() / 1000.0);
                        } else {
                          open.remove(modelKey);
                          log.info(
                              "Model {} of tenant {}: circuit breaker {}",
                              modelKey,
                              tenantId,
                              wireName(to));
                        }
                      });
              return b;
            });
  }

  /** The state of one breaker, for tests and diagnostics. */
  public CircuitBreaker.State state(String tenantId, String modelKey) {
    return breaker(tenantId, modelKey).getState();
  }

  @Override
  public String name() {
    return "circuitBreakers";
  }

  @Override
  public CheckResult check() {
    List<String> open = new ArrayList<>();
    for (CircuitBreaker b : registry.getAllCircuitBreakers()) {
      if (b.getState() == CircuitBreaker.State.OPEN) {
        open.add(b.getName());
      }
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("open", open);
    details.put("openCount", open.size());
    details.put("total", registry.getAllCircuitBreakers().size());
    return new CheckResult(
        open.isEmpty() ? CheckResult.UP : CheckResult.DEGRADED, 0, details, false);
  }

  /** Marks a failed model evaluation for the breaker. */
  static final class ModelFailure extends RuntimeException {
    ModelFailure(String modelKey) {
      super("model " + modelKey + " failed", null, false, false);
    }
  }
}
