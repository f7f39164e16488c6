package dev.arbiter.security;

/**
 * Every way a request can fail authentication or authorization, each with the stable {@code code}
 * clients match on, the HTTP status it answers with and a default problem title.
 *
 * <p>Codes never change once published; add new constants rather than re-purposing old ones. All
 * credential problems are 401 except two deliberate exceptions: {@link #AUTH_JWKS_UNREACHABLE} is
 * 503 because our identity provider being down is not the caller's fault and retrying later will
 * succeed with the same token, and the role problems ({@link #TENANT_NOT_ALLOWED}, {@link
 * #FORBIDDEN_ROLE}) are 403 because the caller is known but lacks permission.
 */
public enum AuthError {
  /** No {@code Authorization: Bearer} credential at all. */
  AUTH_MISSING_TOKEN(401, "Missing credentials"),
  /** The bearer token is not a well-formed JWT, or a required claim is missing or invalid. */
  AUTH_MALFORMED_TOKEN(401, "Malformed token"),
  /** An {@code ak_…} API key that does not exist or was revoked. */
  AUTH_INVALID_API_KEY(401, "Invalid API key"),
  /** The JWT signature does not verify with the configured secret or the identity provider key. */
  AUTH_BAD_SIGNATURE(401, "Invalid token signature"),
  /** The JWT {@code exp} is in the past, beyond the allowed clock skew. */
  AUTH_TOKEN_EXPIRED(401, "Token expired"),
  /** The JWT {@code nbf} is in the future, beyond the allowed clock skew. */
  AUTH_TOKEN_NOT_YET_VALID(401, "Token not yet valid"),
  /** {@code JWT_ISSUER} is configured and the token's {@code iss} differs. */
  AUTH_WRONG_ISSUER(401, "Wrong token issuer"),
  /** {@code JWT_AUDIENCE} is configured and the token's {@code aud} does not contain it. */
  AUTH_WRONG_AUDIENCE(401, "Wrong token audience"),
  /** The RS256 token names a {@code kid} the identity provider's key set does not contain. */
  AUTH_UNKNOWN_KEY_ID(401, "Unknown signing key"),
  /** The token's {@code alg} is not one this server is configured to accept. */
  AUTH_UNSUPPORTED_ALGORITHM(401, "Unsupported token algorithm"),
  /** A JWT arrived but neither {@code JWT_SECRET} nor {@code JWKS_URL} is configured. */
  AUTH_JWT_NOT_CONFIGURED(401, "JWT authentication is not configured"),
  /**
   * The identity provider's key set could not be fetched and no keys are cached. 503, not 401: the
   * token may be perfectly valid, and the same request will succeed once the provider is back.
   */
  AUTH_JWKS_UNREACHABLE(503, "Identity provider unreachable"),
  /** A tenant-scoped call without {@code X-Tenant-Id}. */
  TENANT_REQUIRED(401, "Tenant required"),
  /** The credential has no role in the tenant named by {@code X-Tenant-Id}. */
  TENANT_NOT_ALLOWED(403, "Tenant not allowed"),
  /** The credential's role in the tenant does not permit this operation. */
  FORBIDDEN_ROLE(403, "Role lacks permission"),
  /**
   * A {@code /api/v1/cron/*} call without the configured {@code CRON_SECRET} (or with none
   * configured).
   */
  CRON_UNAUTHORIZED(401, "Invalid cron secret");

  private final int status;
  private final String title;

  AuthError(int status, String title) {
    this.status = status;
    this.title = title;
  }

  /** The stable code clients match on; equal to the constant's name. */
  public String code() {
    return name();
  }

  /** The HTTP status this error answers with. */
  public int status() {
    return status;
  }

  /** A short, human title for the problem+json {@code title} field. */
  public String title() {
    return title;
  }
}
