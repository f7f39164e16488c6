package dev.arbiter.outbox.web;

import dev.arbiter.outbox.OutboxEvents;
import dev.arbiter.security.Caller;
import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import dev.arbiter.shared.Page;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The outbox for admins: rows by status with their delivery details, and retrying or discarding one
 * dead letter or many.
 */
@RestController
class OutboxAdminController {
  private final OutboxEvents events;

  OutboxAdminController(OutboxEvents events) {
    this.events = events;
  }

  @GetMapping("/api/v1/admin/outbox")
  @Requires(Permission.ADMINISTER)
  Page<Map<String, Object>> list(
      Caller caller,
      @RequestParam(required = false) String status,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    return events.list(caller.tenantId(), status, limit, cursor);
  }

  @PostMapping("/api/v1/admin/outbox/retry")
  @Requires(Permission.ADMINISTER)
  Map<String, Object> retryFailed(
      Caller caller, @RequestBody(required = false) Map<String, Object> body) {
    return events.retryFailed(caller.tenantId(), caller.credentialId(), body);
  }

  @PostMapping("/api/v1/admin/outbox/discard")
  @Requires(Permission.ADMINISTER)
  Map<String, Object> discardFailed(
      Caller caller, @RequestBody(required = false) Map<String, Object> body) {
    return events.discardFailed(caller.tenantId(), caller.credentialId(), body);
  }

  @DeleteMapping("/api/v1/admin/outbox/{id}")
  @Requires(Permission.ADMINISTER)
  ResponseEntity<Void> discard(Caller caller, @PathVariable String id) {
    events.discard(caller.tenantId(), caller.credentialId(), id);
    return ResponseEntity.noContent().build();
  }

  @PostMapping("/api/v1/admin/outbox/{id}/retry")
  @Requires(Permission.ADMINISTER)
  Map<String, Object> retry(Caller caller, @PathVariable String id) {
    return events.retry(caller.tenantId(), caller.credentialId(), id);
  }
}
