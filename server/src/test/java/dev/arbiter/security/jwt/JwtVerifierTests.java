package dev.arbiter.security.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.arbiter.security.AuthError;
import dev.arbiter.security.AuthException;
import dev.arbiter.security.Role;
import dev.arbiter.testsupport.SettableClock;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class JwtVerifierTests {
  private static final String SECRET = "an-hs256-secret-of-at-least-32-bytes!";
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  private static RSAKey key1;
  private static RSAKey key2;
  private static RSAKey impostor;

  private final SettableClock clock = new SettableClock(NOW);

  @BeforeAll
  static void generateKeys() throws JOSEException {
    key1 = new RSAKeyGenerator(2048).keyID("k1").generate();
    key2 = new RSAKeyGenerator(2048).keyID("k2").generate();
    // Same key id as key1, different key: what a forger who guessed the kid would hold.
    impostor = new RSAKeyGenerator(2048).keyID("k1").generate();
  }

  private static JWTClaimsSet.Builder validClaims() {
    return new JWTClaimsSet.Builder()
        .subject("user-42")
        .expirationTime(Date.from(NOW.plusSeconds(600)))
        .claim("roles", Map.of("demo", "admin", "acme", "viewer"));
  }

  private static String hs256(JWTClaimsSet claims) {
    return hs256(claims, SECRET.getBytes(StandardCharsets.UTF_8));
  }

  private static String hs256(JWTClaimsSet claims, byte[] secret) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
      jwt.sign(new MACSigner(secret));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new AssertionError(e);
    }
  }

  private static String rs256(RSAKey key, JWTClaimsSet claims) {
    return rs256(key, key.getKeyID(), claims);
  }

  private static String rs256(RSAKey key, String kid, JWTClaimsSet claims) {
    try {
      SignedJWT jwt =
          new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(), claims);
      jwt.sign(new RSASSASigner(key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new AssertionError(e);
    }
  }

  private static String b64(String json) {
    return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
  }

  private static void assertRejected(ThrowingCallable call, AuthError error, String detail) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            AuthException.class,
            e -> {
              assertThat(e.error()).isEqualTo(error);
              assertThat(e.detail()).contains(detail);
            });
  }

  private JwtVerifier hsVerifier() {
    return new JwtVerifier(JwtProperties.of(SECRET, null, null, null), clock);
  }

  private JwtVerifier hsVerifier(UnaryOperator<JwtProperties> change) {
    return new JwtVerifier(change.apply(JwtProperties.of(SECRET, null, null, null)), clock);
  }

  @Nested
  class Hs256 {
    private final JwtVerifier verifier = hsVerifier();

    @Test
    void shouldAcceptAValidTokenAndReadSubjectRolesAndExpiry() {
      JwtPrincipal principal = verifier.verify(hs256(validClaims().build()));

      assertThat(principal.subject()).isEqualTo("user-42");
      assertThat(principal.roles())
          .containsExactlyInAnyOrderEntriesOf(Map.of("demo", Role.ADMIN, "acme", Role.VIEWER));
      assertThat(principal.expiresAt()).isEqualTo(NOW.plusSeconds(600));
      assertThat(principal.roleIn("demo")).contains(Role.ADMIN);
      assertThat(principal.roleIn("other")).isEmpty();
      assertThat(principal.isPlatformOperator()).isFalse();
    }

    @Test
    void shouldTreatTheStarAdminEntryAsAPlatformOperatorInEveryTenant() {
      JwtPrincipal principal =
          verifier.verify(hs256(validClaims().claim("roles", Map.of("*", "admin")).build()));

      assertThat(principal.isPlatformOperator()).isTrue();
      assertThat(principal.roleIn("any-tenant")).contains(Role.ADMIN);
    }

    @Test
    void shouldRejectAMissingToken() {
      assertRejected(() -> verifier.verify(null), AuthError.AUTH_MISSING_TOKEN, "bearer token");
      assertRejected(() -> verifier.verify("  "), AuthError.AUTH_MISSING_TOKEN, "bearer token");
    }

    @Test
    void shouldRejectTokensThatAreNotThreeBase64UrlParts() {
      assertRejected(
          () -> verifier.verify("not-a-jwt"), AuthError.AUTH_MALFORMED_TOKEN, "got 1 part");
      assertRejected(() -> verifier.verify("a.b"), AuthError.AUTH_MALFORMED_TOKEN, "got 2 parts");
      assertRejected(
          () -> verifier.verify("a.b.c.d"), AuthError.AUTH_MALFORMED_TOKEN, "got 4 parts");
      assertRejected(
          () -> verifier.verify("ey+J.abc.def"), AuthError.AUTH_MALFORMED_TOKEN, "header");
      assertRejected(
          () -> verifier.verify(b64("{\"alg\":\"HS256\"}") + "..sig"),
          AuthError.AUTH_MALFORMED_TOKEN,
          "payload");
      assertRejected(
          () -> verifier.verify("x".repeat(20_000)), AuthError.AUTH_MALFORMED_TOKEN, "at most");
    }

    @Test
    void shouldRejectAHeaderOrPayloadThatIsNotJson() {
      String payload = b64("{\"sub\":\"x\"}");
      assertRejected(
          () -> verifier.verify(b64("not json") + "." + payload + ".c2ln"),
          AuthError.AUTH_MALFORMED_TOKEN,
          "header to be a JSON object");
      assertRejected(
          () -> verifier.verify(b64("{\"typ\":\"JWT\"}") + "." + payload + ".c2ln"),
          AuthError.AUTH_MALFORMED_TOKEN,
          "(alg)");

      String notJsonPayload = signRaw(b64("{\"alg\":\"HS256\"}") + "." + b64("[1,2]"));
      assertRejected(
          () -> verifier.verify(notJsonPayload), AuthError.AUTH_MALFORMED_TOKEN, "payload");
    }

    @Test
    void shouldRejectAlgNone() {
      String header = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}");
      String unsigned = header + "." + b64(validClaims().build().toString()) + ".";

      assertRejected(
          () -> verifier.verify(unsigned), AuthError.AUTH_UNSUPPORTED_ALGORITHM, "'none'");
    }

    @Test
    void shouldRejectAlgorithmsOtherThanTheConfiguredOne() throws JOSEException {
      SignedJWT hs512 = new SignedJWT(new JWSHeader(JWSAlgorithm.HS512), validClaims().build());
      hs512.sign(new MACSigner(SECRET.repeat(2)));
      assertRejected(
          () -> verifier.verify(hs512.serialize()),
          AuthError.AUTH_UNSUPPORTED_ALGORITHM,
          "'HS512'");

      assertRejected(
          () -> verifier.verify(rs256(key1, validClaims().build())),
          AuthError.AUTH_UNSUPPORTED_ALGORITHM,
          "Expected a token signed with HS256 (JWT_SECRET), but its alg is 'RS256'");
    }

    @Test
    void shouldRejectATokenSignedWithAnotherSecret() {
      byte[] other = "another-secret-that-is-32-bytes-long!".getBytes(StandardCharsets.UTF_8);

      assertRejected(
          () -> verifier.verify(hs256(validClaims().build(), other)),
          AuthError.AUTH_BAD_SIGNATURE,
          "signature");
    }

    @Test
    void shouldRejectATokenWhosePayloadWasChangedAfterSigning() {
      String[] parts = hs256(validClaims().build()).split("\\.");
      String forged =
          b64(
              validClaims()
                  .claim("roles", Map.of("*", "admin"))
                  .build()
                  .toString()); // escalate to operator

      assertRejected(
          () -> verifier.verify(parts[0] + "." + forged + "." + parts[2]),
          AuthError.AUTH_BAD_SIGNATURE,
          "signature");
    }

    @Test
    void shouldCheckTheSignatureBeforeAnyClaim() {
      byte[] other = "another-secret-that-is-32-bytes-long!".getBytes(StandardCharsets.UTF_8);
      String expiredAndForged =
          hs256(validClaims().expirationTime(Date.from(NOW.minusSeconds(3600))).build(), other);

      assertRejected(
          () -> verifier.verify(expiredAndForged), AuthError.AUTH_BAD_SIGNATURE, "signature");
    }

    @Test
    void shouldRejectAnExpiredTokenButToleratetheClockSkew() {
      String expiredLongAgo =
          hs256(validClaims().expirationTime(Date.from(NOW.minusSeconds(61))).build());
      String expiredWithinSkew =
          hs256(validClaims().expirationTime(Date.from(NOW.minusSeconds(59))).build());

      assertRejected(
          () -> verifier.verify(expiredLongAgo), AuthError.AUTH_TOKEN_EXPIRED, "expired at");
      assertThat(verifier.verify(expiredWithinSkew).subject()).isEqualTo("user-42");
    }

    @Test
    void shouldRejectATokenOnceTheClockPassesItsExpiry() {
      String token = hs256(validClaims().build());
      assertThat(verifier.verify(token)).isNotNull();

      clock.advance(Duration.ofSeconds(600 + 60));

      assertRejected(() -> verifier.verify(token), AuthError.AUTH_TOKEN_EXPIRED, "expired at");
    }

    @Test
    void shouldRequireAnExpiryClaim() {
      String noExp =
          hs256(
              new JWTClaimsSet.Builder()
                  .subject("user-42")
                  .claim("roles", Map.of("demo", "admin"))
                  .build());
      String textExp = hs256(validClaims().claim("exp", "tomorrow").build());

      assertRejected(() -> verifier.verify(noExp), AuthError.AUTH_MALFORMED_TOKEN, "exp claim");
      assertRejected(() -> verifier.verify(textExp), AuthError.AUTH_MALFORMED_TOKEN, "exp");
    }

    @Test
    void shouldRejectATokenNotValidYetButToleratetheClockSkew() {
      String future = hs256(validClaims().notBeforeTime(Date.from(NOW.plusSeconds(61))).build());
      String withinSkew =
          hs256(validClaims().notBeforeTime(Date.from(NOW.plusSeconds(59))).build());

      assertRejected(
          () -> verifier.verify(future), AuthError.AUTH_TOKEN_NOT_YET_VALID, "valid only from");
      assertThat(verifier.verify(withinSkew)).isNotNull();
    }

    @Test
    void shouldRequireASubject() {
      String noSub = hs256(validClaims().subject(null).build());

      assertRejected(() -> verifier.verify(noSub), AuthError.AUTH_MALFORMED_TOKEN, "sub claim");
    }

    @Test
    void shouldRequireRolesAsAnObjectOfKnownRoles() {
      assertRejected(
          () -> verifier.verify(hs256(validClaims().claim("roles", null).build())),
          AuthError.AUTH_MALFORMED_TOKEN,
          "roles claim");
      assertRejected(
          () -> verifier.verify(hs256(validClaims().claim("roles", List.of("admin")).build())),
          AuthError.AUTH_MALFORMED_TOKEN,
          "roles claim to be an object");
      assertRejected(
          () ->
              verifier.verify(hs256(validClaims().claim("roles", Map.of("acme", "owner")).build())),
          AuthError.AUTH_MALFORMED_TOKEN,
          "Expected roles.acme to be admin, editor, viewer or decision, but it is 'owner'");
      assertRejected(
          () -> verifier.verify(hs256(validClaims().claim("roles", Map.of("acme", 3)).build())),
          AuthError.AUTH_MALFORMED_TOKEN,
          "roles.acme");
      assertRejected(
          () -> verifier.verify(hs256(validClaims().claim("roles", Map.of("*", "viewer")).build())),
          AuthError.AUTH_MALFORMED_TOKEN,
          "roles.* (every tenant) to be admin");
    }

    @Test
    void shouldAcceptEveryRoleName() {
      Map<String, Object> roles =
          Map.of("a", "admin", "b", "editor", "c", "viewer", "d", "decision");

      JwtPrincipal principal = verifier.verify(hs256(validClaims().claim("roles", roles).build()));

      assertThat(principal.roles())
          .containsExactlyInAnyOrderEntriesOf(
              Map.of("a", Role.ADMIN, "b", Role.EDITOR, "c", Role.VIEWER, "d", Role.DECISION));
    }

    @Test
    void shouldCheckTheIssuerWhenConfigured() {
      JwtVerifier checking =
          hsVerifier(
              p -> JwtProperties.of(p.secret(), null, "https://idp.example.com", p.audience()));

      assertThat(checking.verify(hs256(validClaims().issuer("https://idp.example.com").build())))
          .isNotNull();
      assertRejected(
          () -> checking.verify(hs256(validClaims().issuer("https://evil.example.com").build())),
          AuthError.AUTH_WRONG_ISSUER,
          "'https://evil.example.com'");
      assertRejected(
          () -> checking.verify(hs256(validClaims().build())),
          AuthError.AUTH_WRONG_ISSUER,
          "missing");
      assertThat(verifier.verify(hs256(validClaims().issuer("anyone").build()))).isNotNull();
    }

    @Test
    void shouldCheckTheAudienceWhenConfigured() {
      JwtVerifier checking = hsVerifier(p -> JwtProperties.of(p.secret(), null, null, "arbiter"));

      assertThat(checking.verify(hs256(validClaims().audience("arbiter").build()))).isNotNull();
      assertThat(checking.verify(hs256(validClaims().audience(List.of("crm", "arbiter")).build())))
          .isNotNull();
      assertRejected(
          () -> checking.verify(hs256(validClaims().audience("crm").build())),
          AuthError.AUTH_WRONG_AUDIENCE,
          "[crm]");
      assertRejected(
          () -> checking.verify(hs256(validClaims().build())),
          AuthError.AUTH_WRONG_AUDIENCE,
          "missing");
    }

    @Test
    void shouldSayWhenNoJwtMethodIsConfigured() {
      JwtVerifier off = new JwtVerifier(JwtProperties.of(null, null, null, null), clock);

      assertThat(off.enabled()).isFalse();
      assertRejected(
          () -> off.verify(hs256(validClaims().build())),
          AuthError.AUTH_JWT_NOT_CONFIGURED,
          "neither JWT_SECRET nor JWKS_URL");
    }

    private String signRaw(String signingInput) {
      try {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(
            new javax.crypto.spec.SecretKeySpec(
                SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return signingInput
            + "."
            + Base64URL.encode(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
      } catch (java.security.GeneralSecurityException e) {
        throw new AssertionError(e);
      }
    }
  }

  @Nested
  class Rs256ViaJwks {
    private final FakeIdentityProvider idp;
    private final JwtVerifier verifier;

    Rs256ViaJwks() throws Exception {
      idp = new FakeIdentityProvider();
      idp.publish(key1);
      verifier = new JwtVerifier(properties(idp.jwksUrl()), clock);
    }

    private JwtProperties properties(URI jwksUrl) {
      return new JwtProperties(
          null,
          jwksUrl,
          null,
          null,
          Duration.ofSeconds(60),
          Duration.ofMinutes(5),
          Duration.ofMillis(500),
          Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
      verifier.close();
      idp.close();
    }

    @Test
    void shouldAcceptATokenSignedByAPublishedKey() {
      JwtPrincipal principal = verifier.verify(rs256(key1, validClaims().build()));

      assertThat(principal.subject()).isEqualTo("user-42");
      assertThat(principal.roleIn("demo")).contains(Role.ADMIN);
      assertThat(idp.fetches()).isEqualTo(1);
    }

    @Test
    void shouldServeFromTheCacheUntilTheTtlPasses() {
      for (int i = 0; i < 20; i++) {
        verifier.verify(rs256(key1, validClaims().build()));
      }
      assertThat(idp.fetches()).isEqualTo(1);

      clock.advance(Duration.ofMinutes(5));
      verifier.verify(
          rs256(key1, validClaims().expirationTime(Date.from(NOW.plusSeconds(900))).build()));

      awaitFetches(2);
    }

    @Test
    void shouldRejectATokenSignedByAnotherKeyUnderAPublishedKeyId() {
      assertRejected(
          () -> verifier.verify(rs256(impostor, validClaims().build())),
          AuthError.AUTH_BAD_SIGNATURE,
          "signature");
    }

    @Test
    void shouldPickUpARotatedKeyByRefreshingOnAnUnknownKeyId() {
      verifier.verify(rs256(key1, validClaims().build()));
      idp.publish(key1, key2);
      clock.advance(Duration.ofSeconds(10));

      JwtPrincipal principal = verifier.verify(rs256(key2, validClaims().build()));

      assertThat(principal.subject()).isEqualTo("user-42");
      assertThat(idp.fetches()).isEqualTo(2);
    }

    @Test
    void shouldRejectAnUnknownKeyIdAfterOneRefresh() {
      verifier.verify(rs256(key1, validClaims().build()));
      clock.advance(Duration.ofSeconds(10));

      assertRejected(
          () -> verifier.verify(rs256(key2, validClaims().build())),
          AuthError.AUTH_UNKNOWN_KEY_ID,
          "'k2' to be in the identity provider's key set, but it is not (known key ids: k1)");
      assertThat(idp.fetches()).isEqualTo(2);
    }

    @Test
    void shouldFetchAtMostOncePerIntervalWhenKeyIdsAreSprayed() {
      verifier.verify(rs256(key1, validClaims().build()));
      for (int i = 0; i < 50; i++) {
        String token = rs256(key2, UUID.randomUUID().toString(), validClaims().build());
        assertRejected(() -> verifier.verify(token), AuthError.AUTH_UNKNOWN_KEY_ID, "key id");
      }
      assertThat(idp.fetches()).isEqualTo(1);

      clock.advance(Duration.ofSeconds(10));
      for (int i = 0; i < 50; i++) {
        String token = rs256(key2, UUID.randomUUID().toString(), validClaims().build());
        assertRejected(() -> verifier.verify(token), AuthError.AUTH_UNKNOWN_KEY_ID, "key id");
      }
      assertThat(idp.fetches()).isEqualTo(2);
    }

    @Test
    void shouldKeepVerifyingWithCachedKeysWhileTheProviderIsDown() throws Exception {
      verifier.verify(rs256(key1, validClaims().build()));
      idp.answer(500, "oops");
      clock.advance(Duration.ofMinutes(6));
      String token =
          rs256(key1, validClaims().expirationTime(Date.from(NOW.plusSeconds(3600))).build());

      assertThat(verifier.verify(token).subject()).isEqualTo("user-42");
      awaitFetches(2); // the background refresh failed and the stale keys stayed
      Thread.sleep(100);
      assertThat(verifier.verify(token).subject()).isEqualTo("user-42");

      idp.close(); // now nothing listens at all
      clock.advance(Duration.ofSeconds(10));
      assertThat(verifier.verify(token).subject()).isEqualTo("user-42");
    }

    @Test
    void shouldNeverTrustAKeyTheTokenCarriesInItsHeader() throws JOSEException {
      // An attacker signs with their own key and embeds it (jwk) or points at it (jku).
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.RS256)
                  .keyID("attacker")
                  .jwk(key2.toPublicJWK())
                  .jwkURL(URI.create("https://evil.example.com/jwks.json"))
                  .build(),
              validClaims().build());
      jwt.sign(new RSASSASigner(key2));
      clock.advance(Duration.ofSeconds(10));

      assertRejected(
          () -> verifier.verify(jwt.serialize()), AuthError.AUTH_UNKNOWN_KEY_ID, "'attacker'");
    }

    @Test
    void shouldAcceptATokenWithoutKeyIdOnlyWhileTheProviderPublishesOneKey() {
      String noKid = rs256(key1, null, validClaims().build());
      assertThat(verifier.verify(noKid).subject()).isEqualTo("user-42");

      idp.publish(key1, key2);
      clock.advance(Duration.ofMinutes(5));
      verifier.verify(rs256(key2, validClaims().build())); // picks up the two-key set
      assertRejected(
          () -> verifier.verify(noKid),
          AuthError.AUTH_UNKNOWN_KEY_ID,
          "it has none and the identity provider publishes 2 keys");
    }

    @Test
    void shouldRejectAnHs256TokenWhenOnlyJwksIsConfigured() throws JOSEException {
      // Algorithm confusion: an HS256 "signature" keyed with the provider's public key.
      byte[] publicKeyBytes = key1.toPublicJWK().toRSAPublicKey().getEncoded();

      assertRejected(
          () -> verifier.verify(hs256(validClaims().build(), publicKeyBytes)),
          AuthError.AUTH_UNSUPPORTED_ALGORITHM,
          "Expected a token signed with RS256 (JWKS_URL), but its alg is 'HS256'");
      assertThat(idp.fetches()).isZero();
    }

    @Test
    void shouldRejectAlgNoneWithoutCallingTheProvider() {
      String unsigned =
          b64("{\"alg\":\"none\",\"kid\":\"k1\"}")
              + "."
              + b64(validClaims().build().toString())
              + ".";

      assertRejected(
          () -> verifier.verify(unsigned), AuthError.AUTH_UNSUPPORTED_ALGORITHM, "'none'");
      assertThat(idp.fetches()).isZero();
    }

    @Test
    void shouldAcceptBothAlgorithmsWhenBothAreConfigured() {
      JwtVerifier both =
          new JwtVerifier(JwtProperties.of(SECRET, idp.jwksUrl(), null, null), clock);

      assertThat(both.verify(hs256(validClaims().build()))).isNotNull();
      assertThat(both.verify(rs256(key1, validClaims().build()))).isNotNull();
      both.close();
    }

    @Test
    void shouldAnswerJwksUnreachableWhenTheProviderFailsAndNoKeysAreCached() {
      idp.answer(503, "maintenance");
      assertRejected(
          () -> verifier.verify(rs256(key1, validClaims().build())),
          AuthError.AUTH_JWKS_UNREACHABLE,
          "it answered HTTP 503");
      assertThat(AuthError.AUTH_JWKS_UNREACHABLE.status()).isEqualTo(503);

      // Within the interval the provider is not asked again: the answer is immediate.
      assertRejected(
          () -> verifier.verify(rs256(key1, validClaims().build())),
          AuthError.AUTH_JWKS_UNREACHABLE,
          "HTTP 503");
      assertThat(idp.fetches()).isEqualTo(1);

      idp.publish(key1);
      clock.advance(Duration.ofSeconds(10));
      assertThat(verifier.verify(rs256(key1, validClaims().build()))).isNotNull();
    }

    @Test
    void shouldAnswerJwksUnreachableWhenTheProviderAnswersGarbage() {
      idp.answer(200, "<html>login</html>");

      assertRejected(
          () -> verifier.verify(rs256(key1, validClaims().build())),
          AuthError.AUTH_JWKS_UNREACHABLE,
          "not a JWK set");
    }

    @Test
    void shouldAnswerJwksUnreachableWithinTheFetchTimeoutWhenTheProviderHangs() {
      idp.delay(Duration.ofSeconds(3));
      long start = System.nanoTime();

      assertRejected(
          () -> verifier.verify(rs256(key1, validClaims().build())),
          AuthError.AUTH_JWKS_UNREACHABLE,
          "did not answer within 500 ms");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void shouldAnswerJwksUnreachableWhenNothingListens() {
      URI url = idp.jwksUrl();
      idp.close();
      JwtVerifier orphan = new JwtVerifier(properties(url), clock);

      assertRejected(
          () -> orphan.verify(rs256(key1, validClaims().build())),
          AuthError.AUTH_JWKS_UNREACHABLE,
          "refused");
      orphan.close();
    }

    private void awaitFetches(int expected) {
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (idp.fetches() < expected && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(idp.fetches()).isEqualTo(expected);
    }
  }
}
