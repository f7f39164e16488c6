package dev.arbiter.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The shared secret of {@code /api/v1/cron/*} endpoints ({@code CRON_SECRET}), which schedulers
 * send as {@code Authorization: Bearer <secret>} or {@code X-Cron-Secret}. Fails closed: without a
 * configured secret nothing matches. Comparison takes the same time whatever the input (both sides
 * are hashed first, so not even the length leaks).
 */
public final class CronSecret {
  private final byte[] expected;

  public CronSecret(Optional<String> secret) {
    this.expected = secret.map(CronSecret::sha256).orElse(null);
  }

  public boolean configured() {
    return expected != null;
  }

  /** Whether either header carries the secret. */
  public boolean matches(String authorization, String cronSecretHeader) {
    if (expected == null) {
      return false;
    }
    boolean ok = false;
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      ok |= MessageDigest.isEqual(expected, sha256(authorization.substring(7).trim()));
    }
    if (cronSecretHeader != null) {
      ok |= MessageDigest.isEqual(expected, sha256(cronSecretHeader.trim()));
    }
    return ok;
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
