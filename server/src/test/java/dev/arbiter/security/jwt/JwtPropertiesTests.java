package dev.arbiter.security.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class JwtPropertiesTests {

  @Test
  void shouldAcceptUnsetValues() {
    assertThat(JwtProperties.validate(null, null)).isEmpty();
    assertThat(JwtProperties.validate("", " ")).isEmpty();
    assertThat(JwtProperties.of(" ", null, "", null).enabled()).isFalse();
  }

  @Test
  void shouldRequireAtLeast32BytesOfSecret() {
    assertThat(JwtProperties.validate("short", null))
        .containsExactly("JWT_SECRET must be at least 32 bytes for HS256, but it is 5 bytes");
    assertThat(JwtProperties.validate("x".repeat(32), null)).isEmpty();
  }

  @Test
  void shouldRequireAnAbsoluteHttpJwksUrl() {
    assertThat(JwtProperties.validate(null, "https://idp.example.com/jwks.json")).isEmpty();
    assertThat(JwtProperties.validate(null, "ftp://idp.example.com/jwks.json"))
        .singleElement()
        .asString()
        .startsWith("JWKS_URL must be an absolute http(s) URL");
    assertThat(JwtProperties.validate(null, "/jwks.json")).hasSize(1);
    assertThat(JwtProperties.validate(null, "http://bad host/"))
        .singleElement()
        .asString()
        .startsWith("JWKS_URL is not a valid URL");
  }

  /** Keys over plain http could be swapped in transit: only this machine's address may use it. */
  @Test
  void shouldRequireHttpsForAJwksUrlOffThisMachine() {
    assertThat(JwtProperties.validate(null, "http://idp.example.com/jwks.json"))
        .singleElement()
        .asString()
        .startsWith("JWKS_URL must use https unless it names this machine");
    assertThat(JwtProperties.validate(null, "http://10.0.0.5:8080/jwks.json")).hasSize(1);
    for (String local :
        new String[] {
          "http://localhost:9000/jwks.json",
          "http://127.0.0.1:9000/jwks.json",
          "http://[::1]:9000/jwks.json"
        }) {
      assertThat(JwtProperties.validate(null, local)).as(local).isEmpty();
    }
  }

  @Test
  void shouldReportEveryProblemAtOnce() {
    assertThat(JwtProperties.validate("short", "nope")).hasSize(2);
    assertThatThrownBy(
            () ->
                new JwtProperties(
                    "short",
                    URI.create("nope"),
                    null,
                    null,
                    Duration.ofSeconds(-1),
                    Duration.ZERO,
                    Duration.ofSeconds(2),
                    Duration.ofSeconds(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("JWT_SECRET")
        .hasMessageContaining("JWKS_URL")
        .hasMessageContaining("clock skew")
        .hasMessageContaining("JWKS cache TTL");
  }

  @Test
  void shouldNeverPrintTheSecret() {
    String secret = "a-secret-of-at-least-thirty-two-bytes";

    assertThat(JwtProperties.of(secret, null, null, null).toString())
        .doesNotContain(secret)
        .contains("secret=***");
  }
}
