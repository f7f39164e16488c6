package dev.arbiter.security.jwt;

import dev.arbiter.security.Role;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The caller a verified JWT speaks for.
 *
 * @param subject the {@code sub} claim, never blank
 * @param roles tenant key to role, from the {@code roles} claim; the key {@value #ALL_TENANTS}
 *     (only ever with {@link Role#ADMIN}) marks a platform operator; immutable
 * @param expiresAt the {@code exp} claim
 */
public record JwtPrincipal(String subject, Map<String, Role> roles, Instant expiresAt) {

  /** The {@code roles} key that grants a role in every tenant. */
  public static final String ALL_TENANTS = "*";

  public JwtPrincipal {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(expiresAt, "expiresAt");
    roles = Map.copyOf(roles);
  }

  /** True for {@code "*": "admin"}: admin in every tenant, and may manage tenants. */
  public boolean isPlatformOperator() {
    return roles.get(ALL_TENANTS) == Role.ADMIN;
  }

  /**
   * The role this caller holds in {@code tenantKey}: admin for a platform operator, otherwise the
   * tenant's own entry; empty when the caller has no role there.
   */
  public Optional<Role> roleIn(String tenantKey) {
    if (isPlatformOperator()) {
      return Optional.of(Role.ADMIN);
    }
    return Optional.ofNullable(roles.get(tenantKey));
  }
}
