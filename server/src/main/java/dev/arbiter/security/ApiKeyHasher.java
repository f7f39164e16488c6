package dev.arbiter.security;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mints API keys and hashes them with HMAC-SHA256 under a server-side pepper, so a leaked table of
 * hashes is useless without the pepper. Keys are {@code ak_} followed by 256 random bits in
 * base64url. Thread-safe.
 */
public final class ApiKeyHasher {
  public static final String PREFIX = "ak_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec pepper;
  // Initialised once; each hash works on a clone, which skips the provider lookup and key setup
  // that Mac.getInstance and init cost on every request.
  private final Mac prototype;

  public ApiKeyHasher(byte[] pepper) {
    if (pepper.length < 32) {
      throw new IllegalArgumentException("pepper must be at least 32 bytes");
    }
    this.pepper = new SecretKeySpec(pepper.clone(), "HmacSHA256");
    this.prototype = newMac();
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(pepper);
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** A new random key; shown once to its owner, never stored. */
  public String newKey() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Hex HMAC-SHA256 of {@code key}. */
  public String hash(String key) {
    Mac mac;
    try {
      mac = (Mac) prototype.clone();
    } catch (CloneNotSupportedException e) {
      mac = newMac();
    }
    return HexFormat.of().formatHex(mac.doFinal(key.getBytes(StandardCharsets.UTF_8)));
  }

  /** The first characters of a key, safe to show in listings to tell keys apart. */
  public static String displayPrefix(String key) {
    return key.substring(0, Math.min(10, key.length()));
  }

  /** Whether {@code token} has the shape of an API key (and so is not a JWT). */
  public static boolean looksLikeApiKey(String token) {
    return token.startsWith(PREFIX);
  }
}
