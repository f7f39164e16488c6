package dev.arbiter.security;

/** Placeholder until the security branch lands. */
public final class AuthException extends RuntimeException {
  private final AuthError error;

  public AuthException(AuthError error, String detail) {
    super(detail, null, false, false);
    this.error = error;
  }

  public AuthError error() {
    return error;
  }
}
