package dev.arbiter.security;

import dev.arbiter.security.jwt.JwtPrincipal;
import dev.arbiter.security.jwt.JwtVerifier;
import dev.arbiter.shared.ApiException;
import dev.arbiter.tenant.Tenant;
import dev.arbiter.tenant.TenantService;
import java.util.Optional;

/**
 * Turns an {@code Authorization} header and an {@code X-Tenant-Id} header into a {@link Caller}, or
 * fails with the precise {@link AuthError}. API keys ({@code ak_…}) belong to one tenant; JWTs
 * carry a role per tenant, and {@code "*": "admin"} makes a platform operator. A credential never
 * learns whether a tenant it has no role in exists.
 */
public class Authenticator {
  private final ApiKeyService apiKeys;
  private final TenantService tenants;
  private final JwtVerifier jwt;

  /**
   * @param jwt verifies JWTs; when neither {@code JWT_SECRET} nor {@code JWKS_URL} is configured it
   *     answers {@code AUTH_JWT_NOT_CONFIGURED} for well-formed tokens
   */
  public Authenticator(ApiKeyService apiKeys, TenantService tenants, JwtVerifier jwt) {
    this.apiKeys = apiKeys;
    this.tenants = tenants;
    this.jwt = jwt;
  }

  /**
   * Authenticates a request.
   *
   * @param authorization the raw {@code Authorization} header, may be null
   * @param tenantKey the raw {@code X-Tenant-Id} header, may be null
   * @param tenantOptional whether the route works without a tenant (platform routes)
   * @throws AuthException with the precise error
   */
  public Caller authenticate(String authorization, String tenantKey, boolean tenantOptional) {
    String token = bearer(authorization);
    String wantedTenant = tenantKey == null || tenantKey.isBlank() ? null : tenantKey.trim();
    if (ApiKeyHasher.looksLikeApiKey(token)) {
      return viaApiKey(token, wantedTenant, tenantOptional);
    }
    return viaJwt(token, wantedTenant, tenantOptional);
  }

  /**
   * Whether {@code authorization} carries an API key this node would have to look up in the
   * database: one not live here within {@link ApiKeyService#RECENTLY_VALID} (answered from memory).
   * False for a key known here, a JWT (checked by its signature, without a lookup) and a malformed
   * header (refused without one).
   */
  public boolean needsKeyLookup(String authorization) {
    String token;
    try {
      token = bearer(authorization);
    } catch (AuthException e) {
      return false;
    }
    return ApiKeyHasher.looksLikeApiKey(token) && !apiKeys.wasRecentlyValid(token);
  }

  private Caller viaApiKey(String token, String wantedTenant, boolean tenantOptional) {
    ApiKey key =
        apiKeys
            .resolve(token)
            .orElseThrow(
                () ->
                    new AuthException(
                        AuthError.AUTH_INVALID_API_KEY, "The API key is unknown or revoked"));
    if (wantedTenant == null) {
      if (!tenantOptional) {
        throw tenantRequired();
      }
      // An API key always acts in its own tenant.
    } else if (!wantedTenant.equals(key.tenantKey())) {
      throw notAllowed(wantedTenant);
    }
    return new Caller(
        key.tenantId(), key.tenantKey(), key.role(), "key:" + key.id(), key.name(), false);
  }

  private Caller viaJwt(String token, String wantedTenant, boolean tenantOptional) {
    JwtPrincipal principal = jwt.verify(token);
    boolean operator = principal.isPlatformOperator();
    String credential = "jwt:" + principal.subject();
    if (wantedTenant == null) {
      if (!tenantOptional) {
        throw tenantRequired();
      }
      return new Caller(
          null,
          null,
          operator ? Role.ADMIN : Role.VIEWER,
          credential,
          principal.subject(),
          operator);
    }
    Role role = principal.roleIn(wantedTenant).orElseThrow(() -> notAllowed(wantedTenant));
    Optional<Tenant> tenant = tenants.find(wantedTenant);
    if (tenant.isEmpty()) {
      if (operator) {
        throw ApiException.notFound("Tenant '" + wantedTenant + "'");
      }
      throw notAllowed(wantedTenant);
    }
    return new Caller(
        tenant.get().id(), tenant.get().key(), role, credential, principal.subject(), operator);
  }

  private static String bearer(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      throw new AuthException(
          AuthError.AUTH_MISSING_TOKEN, "Send Authorization: Bearer <API key or JWT>");
    }
    String value = authorization.trim();
    if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new AuthException(
          AuthError.AUTH_MALFORMED_TOKEN, "The Authorization header must use the Bearer scheme");
    }
    String token = value.substring(7).trim();
    if (token.isEmpty()) {
      throw new AuthException(AuthError.AUTH_MISSING_TOKEN, "The bearer token is empty");
    }
    return token;
  }

  private static AuthException tenantRequired() {
    return new AuthException(
        AuthError.TENANT_REQUIRED, "Send X-Tenant-Id with the key of the tenant to act in");
  }

  private static AuthException notAllowed(String tenant) {
    return new AuthException(
        AuthError.TENANT_NOT_ALLOWED, "This credential has no role in tenant '" + tenant + "'");
  }
}
