package dev.arbiter.security;

/** Placeholder until the security branch lands; replaced by its full version on merge. */
public enum AuthError {
  AUTH_MISSING_TOKEN(401, "Missing credentials"),
  AUTH_MALFORMED_TOKEN(401, "Malformed credentials"),
  AUTH_INVALID_API_KEY(401, "Invalid API key"),
  AUTH_BAD_SIGNATURE(401, "Bad token signature"),
  AUTH_TOKEN_EXPIRED(401, "Token expired"),
  AUTH_TOKEN_NOT_YET_VALID(401, "Token not yet valid"),
  AUTH_WRONG_ISSUER(401, "Wrong token issuer"),
  AUTH_WRONG_AUDIENCE(401, "Wrong token audience"),
  AUTH_UNKNOWN_KEY_ID(401, "Unknown signing key"),
  AUTH_UNSUPPORTED_ALGORITHM(401, "Unsupported token algorithm"),
  AUTH_JWT_NOT_CONFIGURED(401, "JWT authentication not configured"),
  AUTH_JWKS_UNREACHABLE(503, "Identity provider unreachable"),
  TENANT_REQUIRED(401, "Tenant required"),
  TENANT_NOT_ALLOWED(403, "Tenant not allowed"),
  FORBIDDEN_ROLE(403, "Role lacks permission");

  private final int status;
  private final String title;

  AuthError(int status, String title) {
    this.status = status;
    this.title = title;
  }

  public String code() {
    return name();
  }

  public int status() {
    return status;
  }

  public String title() {
    return title;
  }
}
