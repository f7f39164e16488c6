package dev.arbiter.demo;

import dev.arbiter.catalog.CatalogDocument;
import dev.arbiter.catalog.CatalogService;
import dev.arbiter.config.ArbiterConfig;
import dev.arbiter.security.ApiKeyService;
import dev.arbiter.tenant.Tenant;
import dev.arbiter.tenant.TenantService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Seeds tenant {@code demo} and mints an admin key for it. The key is also written to {@code
 * <dataDir>/demo-api-key} (owner-only) so the README's curl lines work by copy and paste; it is a
 * demo convenience and never happens without {@code --demo}.
 */
@Component
public class DemoSeeder {
  public static final String TENANT = "demo";
  static final String KEY_NAME = "demo admin (serve --demo)";
  private static final Logger log = LoggerFactory.getLogger(DemoSeeder.class);

  private final TenantService tenants;
  private final ApiKeyService apiKeys;
  private final ArbiterConfig config;
  private final CatalogService catalog;

  DemoSeeder(
      TenantService tenants, ApiKeyService apiKeys, ArbiterConfig config, CatalogService catalog) {
    this.tenants = tenants;
    this.apiKeys = apiKeys;
    this.config = config;
    this.catalog = catalog;
  }

  /** Ensures the demo tenant exists and returns a new admin API key for it. */
  public String seed() {
    Tenant demo = tenants.findOrCreate(TENANT, "Demo");
    seedCatalog(demo);
    revokePreviousDemoKeys(demo);
    String key = apiKeys.create(demo, KEY_NAME, "admin", "demo").key();
    Path file = config.dataDir().resolve("demo-api-key");
    try {
      Files.createDirectories(config.dataDir());
      Path tmp;
      try {
        tmp =
            Files.createTempFile(
                config.dataDir(),
                "demo-api-key",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        tmp = Files.createTempFile(config.dataDir(), "demo-api-key", ".tmp");
      }
      Files.writeString(tmp, key + System.lineSeparator());
      Files.move(
          tmp,
          file,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      log.warn("Could not write {}: {}", file, e.getMessage());
    }
    return key;
  }

  /** Each start mints a fresh demo key; the previous ones stop working rather than pile up. */
  private void revokePreviousDemoKeys(Tenant demo) {
    String cursor = null;
    do {
      var page = apiKeys.list(demo, 500, cursor);
      for (var k : page.data()) {
        if (KEY_NAME.equals(k.name()) && !k.revoked()) {
          apiKeys.revoke(demo, k.id(), "demo");
        }
      }
      cursor = page.pagination().nextCursor();
    } while (cursor != null);
  }

  /** Loads the demo catalog once: only while the tenant's catalog is still empty. */
  private void seedCatalog(Tenant demo) {
    if (!catalog
        .list(demo.id(), dev.arbiter.catalog.ResourceKind.OFFER, 1, null)
        .data()
        .isEmpty()) {
      return;
    }
    try (var in = DemoSeeder.class.getResourceAsStream("/demo/catalog.yaml")) {
      String yaml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      catalog.importDocument(demo.id(), "demo", CatalogDocument.parse(yaml, true), false, false);
      catalog.publish(demo.id(), "demo", "homepage");
      log.info("Loaded the demo catalog into tenant '{}'", TENANT);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("The demo catalog is missing from the build", e);
    }
  }
}
