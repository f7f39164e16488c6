package dev.arbiter.config;

import io.lettuce.core.RedisURI;

/** Checks a {@code REDIS_URL} the way Lettuce will read it. */
final class RedisUrlCheck {
  private RedisUrlCheck() {}

  static RedisURI check(String url) {
    if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
      throw new IllegalArgumentException(
          "must start with redis:// or rediss:// (e.g. redis://:password@host:6379/0)");
    }
    try {
      return RedisURI.create(url);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }
}
