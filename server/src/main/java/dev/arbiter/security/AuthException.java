package dev.arbiter.security;

import java.util.Objects;

/**
 * A request failed authentication or authorization. Carries exactly one {@link AuthError} and a
 * detail written for the caller (it ends up in the problem+json {@code detail}, so it never
 * contains secrets).
 *
 * <p>This is control flow, not a bug report: it records no stack trace, which keeps rejecting a
 * flood of bad tokens cheap.
 */
public final class AuthException extends RuntimeException {
  private final AuthError error;
  private final String detail;

  /** A failure with the given code and caller-facing detail. */
  public AuthException(AuthError error, String detail) {
    this(error, detail, null);
  }

  /** A failure with the given code and detail, keeping the underlying cause for the server log. */
  public AuthException(AuthError error, String detail, Throwable cause) {
    super(error.code() + ": " + detail, cause, false, false);
    this.error = Objects.requireNonNull(error, "error");
    this.detail = Objects.requireNonNull(detail, "detail");
  }

  /** The error code, HTTP status and title to answer with. */
  public AuthError error() {
    return error;
  }

  /** The caller-facing explanation, without the code. */
  public String detail() {
    return detail;
  }
}
