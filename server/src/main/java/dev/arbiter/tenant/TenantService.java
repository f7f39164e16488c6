package dev.arbiter.tenant;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.arbiter.shared.ApiException;
import dev.arbiter.shared.FieldError;
import dev.arbiter.shared.Ids;
import dev.arbiter.shared.Page;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Creates and finds tenants. Lookups by key, made on every authenticated request, are cached for a
 * few seconds; a tenant created on another node is found at once because misses are not cached.
 */
public class TenantService {
  static final Pattern KEY = Pattern.compile("^[a-z0-9][a-z0-9_-]{0,62}$");

  private final TenantRepository tenants;
  private final Clock clock;
  private final Cache<String, Tenant> byKey =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofSeconds(30)).build();

  public TenantService(TenantRepository tenants, Clock clock) {
    this.tenants = tenants;
    this.clock = clock;
  }

  /**
   * Creates a tenant.
   *
   * @throws ApiException 422 for an invalid key or name, 409 {@code DUPLICATE_KEY} when taken
   */
  public Tenant create(String key, String name) {
    List<FieldError> errors = new ArrayList<>();
    if (key == null || !KEY.matcher(key).matches()) {
      errors.add(
          new FieldError(
              "key",
              "must be 1-63 characters of a-z, 0-9, '-' or '_', starting with a letter or digit"));
    }
    String displayName = name == null || name.isBlank() ? key : name.trim();
    if (displayName != null && displayName.length() > 200) {
      errors.add(new FieldError("name", "must be at most 200 characters"));
    }
    if (!errors.isEmpty()) {
      throw ApiException.validation(errors);
    }
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    Tenant tenant = new Tenant(Ids.newId(), key, displayName, 1, now, now);
    if (!tenants.insert(tenant)) {
      throw ApiException.duplicateKey("Tenant '" + key + "'");
    }
    return tenant;
  }

  /** Finds a tenant by key, or creates it; for the demo seed and idempotent provisioning. */
  public Tenant findOrCreate(String key, String name) {
    return find(key)
        .orElseGet(
            () -> {
              try {
                return create(key, name);
              } catch (ApiException e) {
                if ("DUPLICATE_KEY".equals(e.code())) {
                  return find(key).orElseThrow();
                }
                throw e;
              }
            });
  }

  public Optional<Tenant> find(String key) {
    Tenant cached = byKey.getIfPresent(key);
    if (cached != null) {
      return Optional.of(cached);
    }
    Optional<Tenant> found = tenants.findByKey(key);
    found.ifPresent(t -> byKey.put(key, t));
    return found;
  }

  public Page<Tenant> list(Integer limit, String cursor) {
    int n = Page.limit(limit);
    return Page.of(tenants.list(Page.after(cursor), n + 1), n, Tenant::id);
  }
}
