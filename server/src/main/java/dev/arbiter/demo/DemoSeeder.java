package dev.arbiter.demo;

import dev.arbiter.security.ApiKeyService;
import dev.arbiter.tenant.Tenant;
import dev.arbiter.tenant.TenantService;
import org.springframework.stereotype.Component;

/** Seeds tenant {@code demo} and mints an admin key for it. */
@Component
public class DemoSeeder {
  public static final String TENANT = "demo";

  private final TenantService tenants;
  private final ApiKeyService apiKeys;

  DemoSeeder(TenantService tenants, ApiKeyService apiKeys) {
    this.tenants = tenants;
    this.apiKeys = apiKeys;
  }

  /** Ensures the demo tenant exists and returns a new admin API key for it. */
  public String seed() {
    Tenant demo = tenants.findOrCreate(TENANT, "Demo");
    return apiKeys.create(demo, "demo admin (serve --demo)", "admin", "demo").key();
  }
}
