package dev.arbiter.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AuthErrorTests {

  @Test
  void shouldPublishExactlyTheAgreedCodes() {
    assertThat(Arrays.stream(AuthError.values()).map(AuthError::code))
        .containsExactly(
            "AUTH_MISSING_TOKEN",
            "AUTH_MALFORMED_TOKEN",
            "AUTH_INVALID_API_KEY",
            "AUTH_BAD_SIGNATURE",
            "AUTH_TOKEN_EXPIRED",
            "AUTH_TOKEN_NOT_YET_VALID",
            "AUTH_WRONG_ISSUER",
            "AUTH_WRONG_AUDIENCE",
            "AUTH_UNKNOWN_KEY_ID",
            "AUTH_UNSUPPORTED_ALGORITHM",
            "AUTH_JWT_NOT_CONFIGURED",
            "AUTH_JWKS_UNREACHABLE",
            "TENANT_REQUIRED",
            "TENANT_NOT_ALLOWED",
            "FORBIDDEN_ROLE",
            // answered by the cron endpoints since they were built; an AuthError since wrong
            // cron secrets count against the caller's address
            "CRON_UNAUTHORIZED");
  }

  @Test
  void shouldAnswer401ExceptForAnIdentityProviderOutageAndRoleProblems() {
    for (AuthError error : AuthError.values()) {
      int expected =
          switch (error) {
            case AUTH_JWKS_UNREACHABLE -> 503;
            case TENANT_NOT_ALLOWED, FORBIDDEN_ROLE -> 403;
            default -> 401;
          };
      assertThat(error.status()).as(error.code()).isEqualTo(expected);
      assertThat(error.title()).as(error.code()).isNotBlank();
    }
  }

  @Test
  void shouldCarryItsCodeAndDetailWithoutAStackTrace() {
    AuthException e = new AuthException(AuthError.FORBIDDEN_ROLE, "Expected role editor");

    assertThat(e.error()).isEqualTo(AuthError.FORBIDDEN_ROLE);
    assertThat(e.detail()).isEqualTo("Expected role editor");
    assertThat(e.getMessage()).isEqualTo("FORBIDDEN_ROLE: Expected role editor");
    assertThat(e.getStackTrace()).isEmpty();
  }
}
