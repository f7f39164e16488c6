package dev.arbiter.tenant.web;

import dev.arbiter.security.Caller;
import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import dev.arbiter.tenant.TenantSettingsService;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET|PUT /api/v1/tenant-settings}. */
@RestController
class TenantSettingsController {
  private final TenantSettingsService settings;

  TenantSettingsController(TenantSettingsService settings) {
    this.settings = settings;
  }

  @GetMapping("/api/v1/tenant-settings")
  @Requires(Permission.READ)
  Map<String, Object> get(Caller caller) {
    return settings.get(caller.tenantId()).view();
  }

  @PutMapping("/api/v1/tenant-settings")
  @Requires(Permission.ADMINISTER)
  Map<String, Object> put(Caller caller, @RequestBody(required = false) Map<String, Object> body) {
    return settings.update(caller.tenantId(), caller.credentialId(), body).view();
  }
}
