package dev.arbiter.tenant;

import java.util.Optional;

/** Storage of tenant settings; writes join the caller's transaction. */
public interface TenantSettingsRepository {
  Optional<TenantSettings> find(String tenantId);

  /**
   * Saves settings if the stored row is still at {@code expectedRowVersion} (0: none stored).
   *
   * @return false when it is not (stale) — nothing changed
   */
  boolean save(String tenantId, TenantSettings settings, long expectedRowVersion, String actor);
}
