package dev.arbiter.security.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.arbiter.security.AuthError;
import dev.arbiter.security.AuthException;
import dev.arbiter.security.Role;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Verifies JWT bearer tokens and turns them into a {@link JwtPrincipal}.
 *
 * <p>Checks run in this order and the first failure wins: shape (three base64url parts, JSON
 * header), configuration, algorithm, signature, then claims ({@code exp}, {@code nbf}, issuer,
 * audience, {@code sub}, {@code roles}). No claim is read before the signature verifies. Only HS256
 * (with {@link JwtProperties#secret()}) and RS256 (with keys from {@link JwtProperties#jwksUrl()})
 * are accepted; the algorithm is chosen by configuration, never trusted from the token alone, so
 * {@code alg: none} and an HS256 token "signed" with the provider's public key are both rejected.
 *
 * <p>Thread-safe. Owns an HTTP client for the key set when RS256 is configured: {@link #close()} it
 * on shutdown.
 */
public final class JwtVerifier implements AutoCloseable {
  /** Longer than any header a server accepts; parsing stops here. */
  private static final int MAX_TOKEN_CHARS = 16 * 1024;

  private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]*");

  private final JwtProperties properties;
  private final Clock clock;
  private final JWSVerifier macVerifier;
  private final JwksKeySource jwks;

  /**
   * A verifier for the given settings, reading time from {@code clock}.
   *
   * @param properties which algorithms and keys to accept
   * @param clock the current time for {@code exp} and {@code nbf}, and for key set caching
   */
  public JwtVerifier(JwtProperties properties, Clock clock) {
    this.properties = Objects.requireNonNull(properties, "properties");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.macVerifier = properties.secret() == null ? null : macVerifier(properties.secret());
    this.jwks =
        properties.jwksUrl() == null
            ? null
            : new JwksKeySource(
                properties.jwksUrl(),
                properties.jwksCacheTtl(),
                properties.jwksFetchTimeout(),
                properties.jwksMinRefreshInterval(),
                clock);
  }

  /** True when HS256 or RS256 is configured; otherwise every token gets AUTH_JWT_NOT_CONFIGURED. */
  public boolean enabled() {
    return properties.enabled();
  }

  /**
   * The principal a valid token speaks for.
   *
   * @param token the compact JWT, without the {@code Bearer } prefix
   * @throws AuthException with the code of the first check that fails
   */
  public JwtPrincipal verify(String token) {
    if (token == null || token.isBlank()) {
      throw new AuthException(
          AuthError.AUTH_MISSING_TOKEN, "Expected a bearer token, but got none");
    }
    String algorithm = algorithmOf(token);
    if (!properties.enabled()) {
      throw new AuthException(
          AuthError.AUTH_JWT_NOT_CONFIGURED,
          "Expected an API key: JWT authentication is not configured on this server"
              + " (neither JWT_SECRET nor JWKS_URL is set)");
    }
    checkAlgorithm(algorithm);
    SignedJWT jwt = parse(token);
    verifySignature(jwt, verifierFor(jwt.getHeader()));
    return principal(claims(jwt));
  }

  @Override
  public void close() {
    if (jwks != null) {
      jwks.close();
    }
  }

  /** Checks the compact shape and reads {@code alg} from the header, without trusting anything. */
  private static String algorithmOf(String token) {
    if (token.length() > MAX_TOKEN_CHARS) {
      throw malformed("Expected a JWT of at most " + MAX_TOKEN_CHARS + " characters");
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      throw malformed(
          "Expected a JWT of three dot-separated base64url parts, but got "
              + parts.length
              + (parts.length == 1 ? " part" : " parts"));
    }
    for (int i = 0; i < 3; i++) {
      if (!BASE64URL.matcher(parts[i]).matches() || (i < 2 && parts[i].isEmpty())) {
        throw malformed(
            "Expected the JWT "
                + (i == 0 ? "header" : i == 1 ? "payload" : "signature")
                + " to be base64url text, but it is not");
      }
    }
    Map<String, Object> header;
    try {
      header = JSONObjectUtils.parse(new Base64URL(parts[0]).decodeToString());
    } catch (ParseException e) {
      throw malformed("Expected the JWT header to be a JSON object, but it is not");
    }
    if (!(header.get("alg") instanceof String alg) || alg.isBlank()) {
      throw malformed("Expected the JWT header to name its algorithm (alg), but it does not");
    }
    return alg;
  }

  private static SignedJWT parse(String token) {
    try {
      return SignedJWT.parse(token);
    } catch (ParseException e) {
      throw malformed("Expected a signed JWT, but " + e.getMessage());
    }
  }

  private void checkAlgorithm(String algorithm) {
    boolean hs256 = JWSAlgorithm.HS256.getName().equals(algorithm);
    boolean rs256 = JWSAlgorithm.RS256.getName().equals(algorithm);
    if (!(hs256 && macVerifier != null) && !(rs256 && jwks != null)) {
      throw new AuthException(
          AuthError.AUTH_UNSUPPORTED_ALGORITHM,
          "Expected a token signed with "
              + acceptedAlgorithms()
              + ", but its alg is '"
              + algorithm
              + "'");
    }
  }

  private JWSVerifier verifierFor(JWSHeader header) {
    if (JWSAlgorithm.HS256.equals(header.getAlgorithm())) {
      return macVerifier;
    }
    RSAKey key = jwks.keyFor(header.getKeyID());
    try {
      return new RSASSAVerifier(key);
    } catch (JOSEException e) {
      throw new AuthException(
          AuthError.AUTH_BAD_SIGNATURE,
          "Expected a usable RSA key '" + key.getKeyID() + "', but " + e.getMessage());
    }
  }

  private String acceptedAlgorithms() {
    if (macVerifier != null && jwks != null) {
      return "HS256 or RS256";
    }
    return macVerifier != null ? "HS256 (JWT_SECRET)" : "RS256 (JWKS_URL)";
  }

  private static void verifySignature(SignedJWT jwt, JWSVerifier verifier) {
    boolean valid;
    try {
      valid = jwt.verify(verifier);
    } catch (JOSEException e) {
      valid = false;
    }
    if (!valid) {
      throw new AuthException(
          AuthError.AUTH_BAD_SIGNATURE,
          "Expected the token signature to verify with the configured key, but it does not");
    }
  }

  private static JWTClaimsSet claims(SignedJWT jwt) {
    try {
      return jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw malformed(
          "Expected the JWT payload to be a JSON object of claims, but " + e.getMessage());
    }
  }

  private JwtPrincipal principal(JWTClaimsSet claims) {
    Instant now = clock.instant();
    Duration skew = properties.clockSkew();
    Date exp = dateClaim(claims, "exp");
    if (exp == null) {
      throw malformed("Expected an exp claim (expiry), but the token has none");
    }
    Instant expiresAt = exp.toInstant();
    if (!now.isBefore(expiresAt.plus(skew))) {
      throw new AuthException(
          AuthError.AUTH_TOKEN_EXPIRED,
          "Expected an unexpired token, but it expired at " + expiresAt + " (now " + now + ")");
    }
    Date nbf = dateClaim(claims, "nbf");
    if (nbf != null && now.plus(skew).isBefore(nbf.toInstant())) {
      throw new AuthException(
          AuthError.AUTH_TOKEN_NOT_YET_VALID,
          "Expected a token valid now, but it is valid only from " + nbf.toInstant());
    }
    checkIssuer(claims);
    checkAudience(claims);
    String subject = stringClaim(claims, "sub");
    if (subject == null || subject.isBlank()) {
      throw malformed("Expected a sub claim (subject), but the token has none");
    }
    return new JwtPrincipal(subject, roles(claims), expiresAt);
  }

  private void checkIssuer(JWTClaimsSet claims) {
    String expected = properties.issuer();
    if (expected == null) {
      return;
    }
    String issuer = stringClaim(claims, "iss");
    if (!expected.equals(issuer)) {
      throw new AuthException(
          AuthError.AUTH_WRONG_ISSUER,
          "Expected issuer '"
              + expected
              + "', but the token's is "
              + (issuer == null ? "missing" : "'" + issuer + "'"));
    }
  }

  private void checkAudience(JWTClaimsSet claims) {
    String expected = properties.audience();
    if (expected == null) {
      return;
    }
    List<String> audience;
    try {
      audience = claims.getStringListClaim("aud");
    } catch (ParseException e) {
      throw malformed("Expected the aud claim to be a string or an array of strings");
    }
    if (audience == null || !audience.contains(expected)) {
      throw new AuthException(
          AuthError.AUTH_WRONG_AUDIENCE,
          "Expected audience '"
              + expected
              + "', but the token's is "
              + (audience == null ? "missing" : audience.toString()));
    }
  }

  private static Map<String, Role> roles(JWTClaimsSet claims) {
    Map<String, Object> raw;
    try {
      raw = claims.getJSONObjectClaim("roles");
    } catch (ParseException e) {
      throw malformed(
          "Expected the roles claim to be an object from tenant key to role, but it is not");
    }
    if (raw == null) {
      throw malformed(
          "Expected a roles claim (an object from tenant key to role), but the token has none");
    }
    Map<String, Role> roles = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : raw.entrySet()) {
      String tenant = entry.getKey();
      if (tenant == null || tenant.isBlank()) {
        throw malformed("Expected every roles key to be a tenant key, but one is blank");
      }
      Role role;
      try {
        role = Role.fromString(entry.getValue() instanceof String s ? s : null);
      } catch (IllegalArgumentException e) {
        throw malformed(
            "Expected roles."
                + tenant
                + " to be admin, editor, viewer or decision, but it is "
                + describeValue(entry.getValue()));
      }
      if (JwtPrincipal.ALL_TENANTS.equals(tenant) && role != Role.ADMIN) {
        throw malformed(
            "Expected roles.* (every tenant) to be admin, but it is '" + role.wireName() + "'");
      }
      roles.put(tenant, role);
    }
    return roles;
  }

  private static String describeValue(Object value) {
    return value instanceof String s ? "'" + s + "'" : String.valueOf(value);
  }

  private static Date dateClaim(JWTClaimsSet claims, String name) {
    try {
      return claims.getDateClaim(name);
    } catch (ParseException e) {
      throw malformed("Expected the " + name + " claim to be a number of seconds since the epoch");
    }
  }

  private static String stringClaim(JWTClaimsSet claims, String name) {
    try {
      return claims.getStringClaim(name);
    } catch (ParseException e) {
      throw malformed("Expected the " + name + " claim to be a string");
    }
  }

  private static JWSVerifier macVerifier(String secret) {
    try {
      return new MACVerifier(secret.getBytes(StandardCharsets.UTF_8));
    } catch (JOSEException e) {
      throw new IllegalArgumentException("JWT_SECRET is not a usable HS256 key: " + e.getMessage());
    }
  }

  private static AuthException malformed(String detail) {
    return new AuthException(AuthError.AUTH_MALFORMED_TOKEN, detail);
  }
}
