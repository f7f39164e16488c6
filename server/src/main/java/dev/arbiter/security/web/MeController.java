package dev.arbiter.security.web;

import dev.arbiter.security.Caller;
import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/me}: who the server thinks the caller is; the first call to debug auth. */
@RestController
class MeController {
  record Me(
      String tenant, String role, String credential, String subject, boolean platformOperator) {}

  @GetMapping("/api/v1/me")
  @Requires(Permission.AUTHENTICATED)
  Me me(Caller caller) {
    return new Me(
        caller.tenantKey(),
        caller.role().name().toLowerCase(java.util.Locale.ROOT),
        caller.credentialId(),
        caller.subject(),
        caller.platformOperator());
  }
}
