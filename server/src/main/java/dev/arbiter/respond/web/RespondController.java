package dev.arbiter.respond.web;

import dev.arbiter.respond.RespondService;
import dev.arbiter.security.Caller;
import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.math.BigDecimal;
import java.time.Instant;
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

  /** The request, for the OpenAPI document (the body is checked field by field). */
  record RespondRequest(
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED) String decisionId,
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED) String offerKey,
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED) String customerId,
      @Schema(
              requiredMode = Schema.RequiredMode.REQUIRED,
              description =
                  "built in: impression, click, accept, convert, reject, dismiss;"
                      + " or a tenant outcome type")
          String outcome,
      BigDecimal value,
      Instant occurredAt,
      @Schema(description = "instead of the Idempotency-Key header") String idempotencyKey) {}

  /** The answer, for the OpenAPI document. */
  record RespondResponse(
      String interactionId,
      String decisionId,
      String offerKey,
      String outcome,
      Instant recordedAt) {}

  @PostMapping("/api/v1/respond")
  @Requires(Permission.DECIDE)
  @Operation(
      summary = "Record what the customer did with an offer a decision returned",
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              content = @Content(schema = @Schema(implementation = RespondRequest.class))),
      responses = {
        @ApiResponse(
            responseCode = "201",
            description = "recorded",
            content = @Content(schema = @Schema(implementation = RespondResponse.class))),
        @ApiResponse(
            responseCode = "200",
            description = "a retry of a recorded Idempotency-Key: the same body, nothing recorded",
            content = @Content(schema = @Schema(implementation = RespondResponse.class)))
      })
  ResponseEntity<Map<String, Object>> respond(
      @Parameter(hidden = true) Caller caller,
      @Parameter(description = "unique per outcome; required here or as body idempotencyKey")
          @RequestHeader(name = "Idempotency-Key", required = false)
          String idempotencyKey,
      @RequestBody(required = false) Map<String, Object> body) {
    RespondService.Result r =
        respond.respond(caller.tenantId(), caller.tenantKey(), idempotencyKey, body);
    return ResponseEntity.status(r.created() ? 201 : 200).body(r.body());
  }
}
