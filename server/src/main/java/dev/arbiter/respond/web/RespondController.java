package dev.arbiter.respond.web;

import dev.arbiter.respond.RespondService;
import dev.arbiter.security.Caller;
import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /api/v1/respond}: 201 for a new interaction, 200 for a retried Idempotency-Key. */
@RestController
class RespondController {
  private final RespondService respond;

  RespondController(RespondService respond) {
    this.respond = respond;
  }

  @PostMapping("/api/v1/respond")
  @Requires(Permission.DECIDE)
  ResponseEntity<Map<String, Object>> respond(
      Caller caller,
      @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey,
      @RequestBody(required = false) Map<String, Object> body) {
    RespondService.Result r =
        respond.respond(caller.tenantId(), caller.tenantKey(), idempotencyKey, body);
    return ResponseEntity.status(r.created() ? 201 : 200).body(r.body());
  }
}
