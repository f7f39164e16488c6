package dev.arbiter.security;

import java.time.Instant;

/**
 * An API key's stored record. The key itself is never stored; {@code keyPrefix} lets a person tell
 * keys apart in listings.
 */
public record ApiKey(
    String id,
    String tenantId,
    String tenantKey,
    String name,
    Role role,
    String keyPrefix,
    String createdBy,
    Instant createdAt,
    Instant lastUsedAt,
    Instant revokedAt) {

  public boolean revoked() {
    return revokedAt != null;
  }
}
