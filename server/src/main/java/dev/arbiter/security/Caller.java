package dev.arbiter.security;

/**
 * Who is calling, in which tenant, with which role. Built once per request by authentication.
 *
 * @param tenantId the tenant's id; null only on platform routes called without {@code X-Tenant-Id}
 * @param tenantKey the tenant's key as sent in {@code X-Tenant-Id}; null as above
 * @param role the caller's role in that tenant (platform operators are {@link Role#ADMIN})
 * @param credentialId stable id of the credential for rate limiting and audit: {@code key:<id>} or
 *     {@code jwt:<sub>}
 * @param subject a person-readable name of the caller (key name or JWT subject)
 * @param platformOperator whether the credential is a platform operator ({@code "*": "admin"})
 */
public record Caller(
    String tenantId,
    String tenantKey,
    Role role,
    String credentialId,
    String subject,
    boolean platformOperator) {}
