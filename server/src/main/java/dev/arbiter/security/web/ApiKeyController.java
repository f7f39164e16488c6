package dev.arbiter.security.web;

import dev.arbiter.security.ApiKey;
import dev.arbiter.security.ApiKeyService;
import dev.arbiter.security.Caller;
import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import dev.arbiter.shared.ApiException;
import dev.arbiter.shared.Page;
import dev.arbiter.tenant.Tenant;
import dev.arbiter.tenant.TenantService;
import java.time.Instant;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/api-keys}: an admin creates, lists and revokes the tenant's API keys. */
@RestController
@RequestMapping("/api/v1/api-keys")
class ApiKeyController {
  private final ApiKeyService apiKeys;
  private final TenantService tenants;

  ApiKeyController(ApiKeyService apiKeys, TenantService tenants) {
    this.apiKeys = apiKeys;
    this.tenants = tenants;
  }

  record CreateRequest(String name, String role) {}

  record Created(
      String id, String name, String role, String key, String keyPrefix, Instant createdAt) {}

  record View(
      String id,
      String name,
      String role,
      String keyPrefix,
      String createdBy,
      Instant createdAt,
      Instant lastUsedAt,
      Instant revokedAt) {
    static View of(ApiKey k) {
      return new View(
          k.id(),
          k.name(),
          k.role().wireName(),
          k.keyPrefix(),
          k.createdBy(),
          k.createdAt(),
          k.lastUsedAt(),
          k.revokedAt());
    }
  }

  @PostMapping
  @ResponseStatus(HttpStatus.CREATED)
  @Requires(Permission.ADMINISTER)
  Created create(Caller caller, @RequestBody CreateRequest body) {
    if (body == null) {
      throw ApiException.validation("body", "is required");
    }
    ApiKeyService.Created created =
        apiKeys.create(tenant(caller), body.name(), body.role(), caller.credentialId());
    ApiKey k = created.apiKey();
    return new Created(
        k.id(), k.name(), k.role().wireName(), created.key(), k.keyPrefix(), k.createdAt());
  }

  @GetMapping
  @Requires(Permission.ADMINISTER)
  Page<View> list(
      Caller caller,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    return apiKeys.list(tenant(caller), limit, cursor).map(View::of);
  }

  @DeleteMapping("/{id}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  @Requires(Permission.ADMINISTER)
  void revoke(Caller caller, @PathVariable String id) {
    apiKeys.revoke(tenant(caller), id, caller.credentialId());
  }

  private Tenant tenant(Caller caller) {
    return tenants
        .find(caller.tenantKey())
        .orElseThrow(() -> ApiException.notFound("Tenant '" + caller.tenantKey() + "'"));
  }
}
