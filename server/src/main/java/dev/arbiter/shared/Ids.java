package dev.arbiter.shared;

import com.github.f4b6a3.uuid.UuidCreator;

/**
 * Identifier generation: UUIDv7 strings, time-ordered so B-tree inserts stay local.
 *
 * <p>The random bits come from {@link java.util.concurrent.ThreadLocalRandom}, not a {@link
 * java.security.SecureRandom}: an id names a record and must be unique, not unguessable (no id is a
 * credential; API key secrets come from {@code ApiKeyHasher}'s {@code SecureRandom}). Under
 * Recommend load the shared {@code SecureRandom} was 2.1% of the request threads' CPU, this 0.6%
 * (bench/RESULTS.md, "Recommend: the machine's latency floor"). The factory and its layout are
 * unchanged: a millisecond timestamp, then random bits, of which a JVM's later ids in the same
 * millisecond keep a counter's worth to stay increasing; so ids remain unique and time-ordered,
 * within a JVM strictly increasing.
 */
public final class Ids {
  private Ids() {}

  /** A new UUIDv7 as a lowercase string. Thread-safe. */
  public static String newId() {
    return UuidCreator.getTimeOrderedEpochFast().toString();
  }
}
