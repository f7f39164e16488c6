package dev.arbiter.shared;

import com.github.f4b6a3.uuid.UuidCreator;

/**
 * Identifier generation: UUIDv7 strings, time-ordered so B-tree inserts stay local.
 *
 * <p>The random bits come from {@link java.util.concurrent.ThreadLocalRandom}, not a {@link
 * java.security.SecureRandom}: an id names a record and must be unique, not unguessable (no id is a
 * credential; API key secrets come from {@code ApiKeyHasher}'s {@code SecureRandom}). The shared
 * {@code SecureRandom} made an id cost 2.3 µs of a Recommend's CPU under load against about 0.1 µs
 * (bench/RESULTS.md); the ids are as unique (74 random bits, monotonic within a millisecond on a
 * node) and as ordered as before.
 */
public final class Ids {
  private Ids() {}

  /** A new UUIDv7 as a lowercase string. Thread-safe. */
  public static String newId() {
    return UuidCreator.getTimeOrderedEpochFast().toString();
  }
}
