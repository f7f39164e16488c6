package dev.arbiter.decision.web;

import dev.arbiter.decision.DecisionTraces;
import dev.arbiter.security.Caller;
import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import dev.arbiter.shared.Page;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/decision-traces} (by customerId, requestId, decisionId, flowKey and a time
 * range {@code from}/{@code to}) and by id.
 */
@RestController
class DecisionTraceController {
  private final DecisionTraces traces;

  DecisionTraceController(DecisionTraces traces) {
    this.traces = traces;
  }

  @GetMapping("/api/v1/decision-traces")
  @Requires(Permission.READ)
  Page<Map<String, Object>> find(
      Caller caller,
      @RequestParam(required = false) String customerId,
      @RequestParam(required = false) String requestId,
      @RequestParam(required = false) String decisionId,
      @RequestParam(required = false) String flowKey,
      @RequestParam(required = false) String from,
      @RequestParam(required = false) String to,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    return traces.find(
        caller.tenantId(), customerId, requestId, decisionId, flowKey, from, to, limit, cursor);
  }

  @GetMapping("/api/v1/decision-traces/{id}")
  @Requires(Permission.READ)
  Map<String, Object> get(Caller caller, @PathVariable String id) {
    return traces.get(caller.tenantId(), id);
  }
}
