package dev.arbiter.security.jwt;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How JWT bearer tokens are verified.
 *
 * <p>HS256 tokens are accepted when {@code secret} is set, RS256 tokens when {@code jwksUrl} is
 * set; both may be set at once (the secret is never derived from a public key, so accepting both
 * opens no algorithm-confusion hole). With neither, JWT authentication is off and every JWT is
 * answered with {@code AUTH_JWT_NOT_CONFIGURED}.
 *
 * @param secret HS256 key ({@code JWT_SECRET}): its UTF-8 bytes are the HMAC key, at least 32
 *     bytes; null when unset
 * @param jwksUrl the identity provider's JWK Set endpoint ({@code JWKS_URL}), http or https; null
 *     when unset
 * @param issuer required {@code iss} ({@code JWT_ISSUER}); null means not checked
 * @param audience required member of {@code aud} ({@code JWT_AUDIENCE}); null means not checked
 * @param clockSkew tolerance applied to {@code exp} and {@code nbf}; zero or positive
 * @param jwksCacheTtl how long a fetched key set is used before it is fetched again
 * @param jwksFetchTimeout bound on one key set fetch (connect plus response)
 * @param jwksMinRefreshInterval the least time between two fetches, so tokens with random key ids
 *     or a provider that is down cannot make every request call the provider
 */
public record JwtProperties(
    String secret,
    URI jwksUrl,
    String issuer,
    String audience,
    Duration clockSkew,
    Duration jwksCacheTtl,
    Duration jwksFetchTimeout,
    Duration jwksMinRefreshInterval) {

  /** Smallest HS256 secret accepted: 256 bits, as RFC 7518 §3.2 requires. */
  public static final int MIN_SECRET_BYTES = 32;

  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);
  public static final Duration DEFAULT_JWKS_CACHE_TTL = Duration.ofMinutes(5);
  public static final Duration DEFAULT_JWKS_FETCH_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_JWKS_MIN_REFRESH_INTERVAL = Duration.ofSeconds(10);

  /**
   * Normalizes blank strings to null and checks every field.
   *
   * @throws IllegalArgumentException listing every problem at once
   */
  public JwtProperties {
    secret = blankToNull(secret);
    issuer = blankToNull(issuer);
    audience = blankToNull(audience);
    List<String> problems = new ArrayList<>(validate(secret, jwksUrl));
    requireNonNegative(problems, "clock skew", clockSkew);
    requirePositive(problems, "JWKS cache TTL", jwksCacheTtl);
    requirePositive(problems, "JWKS fetch timeout", jwksFetchTimeout);
    requireNonNegative(problems, "JWKS minimum refresh interval", jwksMinRefreshInterval);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
  }

  /** Settings with the default skew (60 s), cache TTL (5 min), fetch timeout (2 s) and interval. */
  public static JwtProperties of(String secret, URI jwksUrl, String issuer, String audience) {
    return new JwtProperties(
        secret,
        jwksUrl,
        issuer,
        audience,
        DEFAULT_CLOCK_SKEW,
        DEFAULT_JWKS_CACHE_TTL,
        DEFAULT_JWKS_FETCH_TIMEOUT,
        DEFAULT_JWKS_MIN_REFRESH_INTERVAL);
  }

  /**
   * Problems with raw configuration values, each naming its environment variable, for start-up
   * validation that reports everything at once. Null or blank values mean "unset" and are fine.
   *
   * @param secret the {@code JWT_SECRET} value
   * @param jwksUrl the {@code JWKS_URL} value
   * @return the problems; empty when both values are usable
   */
  public static List<String> validate(String secret, String jwksUrl) {
    List<String> problems = new ArrayList<>();
    checkSecret(problems, blankToNull(secret));
    String url = blankToNull(jwksUrl);
    if (url != null) {
      try {
        checkJwksUrl(problems, new URI(url));
      } catch (URISyntaxException e) {
        problems.add("JWKS_URL is not a valid URL: " + e.getMessage());
      }
    }
    return problems;
  }

  private static List<String> validate(String secret, URI jwksUrl) {
    List<String> problems = new ArrayList<>();
    checkSecret(problems, secret);
    if (jwksUrl != null) {
      checkJwksUrl(problems, jwksUrl);
    }
    return problems;
  }

  /** True when at least one of HS256 and RS256 is configured. */
  public boolean enabled() {
    return secret != null || jwksUrl != null;
  }

  /** Never prints the secret. */
  @Override
  public String toString() {
    return "JwtProperties[secret="
        + (secret == null ? "unset" : "***")
        + ", jwksUrl="
        + jwksUrl
        + ", issuer="
        + issuer
        + ", audience="
        + audience
        + ", clockSkew="
        + clockSkew
        + ", jwksCacheTtl="
        + jwksCacheTtl
        + ", jwksFetchTimeout="
        + jwksFetchTimeout
        + ", jwksMinRefreshInterval="
        + jwksMinRefreshInterval
        + "]";
  }

  private static void checkSecret(List<String> problems, String secret) {
    if (secret == null) {
      return;
    }
    int bytes = secret.getBytes(StandardCharsets.UTF_8).length;
    if (bytes < MIN_SECRET_BYTES) {
      problems.add(
          "JWT_SECRET must be at least "
              + MIN_SECRET_BYTES
              + " bytes for HS256, but it is "
              + bytes
              + " bytes");
    }
  }

  private static void checkJwksUrl(List<String> problems, URI url) {
    String scheme = url.getScheme();
    if (!url.isAbsolute()
        || !("https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme))
        || url.getHost() == null) {
      problems.add(
          "JWKS_URL must be an absolute http(s) URL such as"
              + " https://idp.example.com/.well-known/jwks.json, but it is '"
              + url
              + "'");
    } else if ("http".equalsIgnoreCase(scheme) && !loopback(url.getHost())) {
      // whoever can change the keys in transit can sign any token, a platform operator's too
      problems.add(
          "JWKS_URL must use https unless it names this machine (localhost, 127.0.0.1, [::1]):"
              + " keys fetched over plain http can be replaced in transit, but it is '"
              + url
              + "'");
    }
  }

  /** Whether {@code host} is this machine by name or loopback address (not resolved). */
  private static boolean loopback(String host) {
    String h = host.toLowerCase(java.util.Locale.ROOT);
    return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]") || h.equals("::1");
  }

  private static void requirePositive(List<String> problems, String name, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      problems.add(name + " must be positive, but it is " + value);
    }
  }

  private static void requireNonNegative(List<String> problems, String name, Duration value) {
    if (value == null || value.isNegative()) {
      problems.add(name + " must be zero or positive, but it is " + value);
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
