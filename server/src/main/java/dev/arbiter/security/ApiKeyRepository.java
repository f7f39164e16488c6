package dev.arbiter.security;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Storage of API keys, addressed by their hash. Implementations are thread-safe. */
public interface ApiKeyRepository {
  void insert(ApiKey key, String keyHash);

  /** The key with this hash, with its tenant's key, revoked or not. */
  Optional<ApiKey> findByHash(String keyHash);

  /** A tenant's keys ordered by id after {@code afterId} (null: from the start). */
  List<ApiKey> list(String tenantId, String afterId, int limit);

  /**
   * Marks a key revoked.
   *
   * @return false when the tenant has no such key or it was already revoked
   */
  boolean revoke(String tenantId, String id, Instant at);

  /** Records the last use of each key (coarse: written in batches). */
  void touch(Collection<String> ids, Instant at);
}
