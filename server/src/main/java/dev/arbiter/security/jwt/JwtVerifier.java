package dev.arbiter.security.jwt;

/** Placeholder until the security branch lands. */
public class JwtVerifier {
  public JwtPrincipal verify(String token) {
    throw new UnsupportedOperationException();
  }
}
