package dev.arbiter.shared;

import com.github.f4b6a3.uuid.UuidCreator;

/** Identifier generation: UUIDv7 strings, time-ordered so B-tree inserts stay local. */
public final class Ids {
  private Ids() {}

  /** A new UUIDv7 as a lowercase string. Thread-safe. */
  public static String newId() {
    return UuidCreator.getTimeOrderedEpoch().toString();
  }
}
