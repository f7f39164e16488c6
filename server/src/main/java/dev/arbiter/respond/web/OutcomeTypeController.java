package dev.arbiter.respond.web;

import dev.arbiter.respond.OutcomeTypes;
import dev.arbiter.security.Caller;
import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import dev.arbiter.shared.Page;
import dev.arbiter.web.RequestIds;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/outcome-types}: the built-in outcome types and the tenant's own (editor and admin
 * write; built-in ones are read-only).
 */
@RestController
class OutcomeTypeController {
  private static final String PATH = "/api/v1/outcome-types";
  private final OutcomeTypes types;

  OutcomeTypeController(OutcomeTypes types) {
    this.types = types;
  }

  @GetMapping(PATH)
  @Requires(Permission.READ)
  Page<Map<String, Object>> list(
      Caller caller,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    return types.list(caller.tenantId(), limit, cursor);
  }

  @GetMapping(PATH + "/{key}")
  @Requires(Permission.READ)
  Map<String, Object> get(Caller caller, @PathVariable String key) {
    return types.get(caller.tenantId(), key).view();
  }

  @PostMapping(PATH)
  @Requires(Permission.WRITE_CATALOG)
  ResponseEntity<Map<String, Object>> create(
      Caller caller,
      HttpServletRequest http,
      @RequestBody(required = false) Map<String, Object> body) {
    return ResponseEntity.status(201)
        .body(
            types
                .create(caller.tenantId(), caller.credentialId(), RequestIds.of(http), body)
                .view());
  }

  @PutMapping(PATH + "/{key}")
  @Requires(Permission.WRITE_CATALOG)
  Map<String, Object> update(
      Caller caller,
      HttpServletRequest http,
      @PathVariable String key,
      @RequestBody(required = false) Map<String, Object> body) {
    return types
        .update(caller.tenantId(), caller.credentialId(), RequestIds.of(http), key, body)
        .view();
  }

  @DeleteMapping(PATH + "/{key}")
  @Requires(Permission.WRITE_CATALOG)
  ResponseEntity<Void> delete(Caller caller, HttpServletRequest http, @PathVariable String key) {
    types.delete(caller.tenantId(), caller.credentialId(), RequestIds.of(http), key);
    return ResponseEntity.noContent().build();
  }
}
