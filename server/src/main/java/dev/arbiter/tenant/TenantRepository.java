package dev.arbiter.tenant;

import java.util.List;
import java.util.Optional;

/** Storage of tenants. Implementations are thread-safe. */
public interface TenantRepository {
  /**
   * Inserts a tenant.
   *
   * @return false when the key is taken (nothing changed)
   */
  boolean insert(Tenant tenant);

  Optional<Tenant> findByKey(String key);

  Optional<Tenant> findById(String id);

  /** Tenants ordered by id after {@code afterId} (null: from the start), at most {@code limit}. */
  List<Tenant> list(String afterId, int limit);
}
