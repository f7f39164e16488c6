package dev.arbiter.tenant.web;

import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import dev.arbiter.shared.ApiException;
import dev.arbiter.shared.Page;
import dev.arbiter.tenant.Tenant;
import dev.arbiter.tenant.TenantService;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/tenants}: platform operators create and list tenants. */
@RestController
@RequestMapping("/api/v1/tenants")
class TenantController {
  private final TenantService tenants;

  TenantController(TenantService tenants) {
    this.tenants = tenants;
  }

  record CreateRequest(String key, String name) {}

  @PostMapping
  @ResponseStatus(HttpStatus.CREATED)
  @Requires(Permission.PLATFORM)
  Tenant create(@RequestBody CreateRequest body) {
    if (body == null) {
      throw ApiException.validation("body", "is required");
    }
    return tenants.create(body.key(), body.name());
  }

  @GetMapping
  @Requires(Permission.PLATFORM)
  Page<Tenant> list(
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    return tenants.list(limit, cursor);
  }

  @GetMapping("/{key}")
  @Requires(Permission.PLATFORM)
  Tenant get(@PathVariable String key) {
    return tenants.find(key).orElseThrow(() -> ApiException.notFound("Tenant '" + key + "'"));
  }
}
