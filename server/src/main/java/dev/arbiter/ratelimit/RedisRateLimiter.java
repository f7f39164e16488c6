package dev.arbiter.ratelimit;

import dev.arbiter.redis.FailFastRedis;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The rate limiter in Redis: one limit shared exactly by every node that uses the same Redis.
 *
 * <p>Each request is one round trip: an {@code EVALSHA} of a Lua script that reads and updates the
 * key atomically (falling back to {@code EVAL} once after Redis lost its script cache). The script
 * reads the time from Redis itself ({@code TIME}), not from the caller: every node then measures
 * against one clock, so skew between nodes' clocks cannot hand out extra permits or refuse due
 * ones. Keys are {@value #KEY_PREFIX} plus the caller's key and expire once their bucket is full
 * again, so idle keys cost nothing. Works with Redis 6.2 and later (scripts replicate their
 * effects, so reading {@code TIME} before a write is allowed); the single key keeps it valid in a
 * Redis Cluster.
 *
 * <p>Fails fast instead of waiting: every command gives up after the command timeout, commands are
 * rejected at once while disconnected, and the request path never (re)connects. {@link #ping()}
 * connects when needed; until it has succeeded once, {@link #tryAcquire} throws. Errors surface as
 * Lettuce {@link io.lettuce.core.RedisException}s for the caller (usually {@link
 * FailoverRateLimiter}) to handle. Thread-safe; {@link #close()} releases the client.
 */
public final class RedisRateLimiter implements RateLimiter, AutoCloseable {
  public static final String KEY_PREFIX = "arbiter:rl:";
  public static final Duration DEFAULT_COMMAND_TIMEOUT = FailFastRedis.DEFAULT_COMMAND_TIMEOUT;

  // KEYS[1] bucket; ARGV[1] interval µs, ARGV[2] capacity µs.
  // Returns {allowed 0|1, remaining, retry-after µs}. Numbers stay below 2^53 (epoch µs ~ 1.8e15),
  // so Lua's doubles are exact; string.format keeps SET from writing them in exponent notation.
  static final String SCRIPT =
      """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
      local interval = tonumber(ARGV[1])
      local capacity = tonumber(ARGV[2])
      local tat = tonumber(redis.call('GET', KEYS[1]) or now)
      if tat < now then tat = now end
      local new_tat = tat + interval
      local allow_at = new_tat - capacity
      if now < allow_at then
        return {0, 0, allow_at - now}
      end
      local ttl_ms = math.ceil((new_tat - now) / 1000)
      redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', ttl_ms)
      return {1, math.floor((capacity - (new_tat - now)) / interval), 0}
      """;

  static final String SCRIPT_SHA = FailFastRedis.sha1(SCRIPT);

  private final FailFastRedis redis;

  /**
   * A limiter for the Redis at {@code uri}. Does not connect yet: call {@link #ping()}.
   *
   * @param uri where Redis is (see {@link RedisUrls#parse})
   * @param commandTimeout the longest a request waits for Redis, e.g. {@link
   *     #DEFAULT_COMMAND_TIMEOUT}
   */
  public RedisRateLimiter(RedisURI uri, Duration commandTimeout) {
    this(null, uri, commandTimeout);
  }

  /**
   * A limiter as above whose client runs on {@code resources} (event loops and timers shared with
   * the server's other Redis clients). {@link #close()} leaves shared resources running.
   *
   * @param resources shared Lettuce resources, or null for the client's own
   */
  public RedisRateLimiter(ClientResources resources, RedisURI uri, Duration commandTimeout) {
    Objects.requireNonNull(uri, "uri");
    this.redis = new FailFastRedis(resources, uri, commandTimeout);
  }

  @Override
  public RateLimitDecision tryAcquire(String key, RateLimit limit) {
    String[] keys = {KEY_PREFIX + key};
    String interval = Long.toString(limit.intervalMicros());
    String capacity = Long.toString(limit.capacityMicros());
    List<Object> reply =
        redis.script(SCRIPT, SCRIPT_SHA, ScriptOutputType.MULTI, keys, interval, capacity);
    boolean allowed = ((Long) reply.get(0)) == 1L;
    long remaining = (Long) reply.get(1);
    long retryAfterMicros = (Long) reply.get(2);
    return new RateLimitDecision(
        allowed, limit.permits(), remaining, Duration.ofNanos(retryAfterMicros * 1_000));
  }

  /**
   * Connects if not connected, then sends {@code PING}.
   *
   * @return the round-trip time of the {@code PING}
   * @throws io.lettuce.core.RedisException when Redis cannot be reached within the connect timeout
   *     (1 s) or does not answer within the command timeout
   */
  public Duration ping() {
    return redis.ping();
  }

  /** Where this limiter's Redis is, as {@code host:port} (no credentials). */
  public String target() {
    return redis.target();
  }

  /** The longest a request waits for Redis. */
  public Duration commandTimeout() {
    return redis.commandTimeout();
  }

  @Override
  public void close() {
    redis.close();
  }
}
