package dev.arbiter.ratelimit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
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
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(250);
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);

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

  static final String SCRIPT_SHA = sha1(SCRIPT);

  private final RedisClient client;
  private final Duration commandTimeout;
  private final String target;
  private final Object connectLock = new Object();
  private volatile StatefulRedisConnection<String, String> connection;

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
    this.commandTimeout = Objects.requireNonNull(commandTimeout, "commandTimeout");
    this.target = uri.getHost() + ":" + uri.getPort();
    RedisURI withTimeout = RedisURI.builder(uri).withTimeout(commandTimeout).build();
    this.client =
        resources == null
            ? RedisClient.create(withTimeout)
            : RedisClient.create(resources, withTimeout);
    client.setOptions(
        ClientOptions.builder()
            // Reconnecting is ping()'s job, on the probe thread, so no request ever waits for it.
            .autoReconnect(false)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
            .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).build())
            .build());
  }

  @Override
  public RateLimitDecision tryAcquire(String key, RateLimit limit) {
    StatefulRedisConnection<String, String> conn = connection;
    if (conn == null || !conn.isOpen()) {
      throw new RedisConnectionException("Not connected to Redis at " + target);
    }
    String[] keys = {KEY_PREFIX + key};
    String interval = Long.toString(limit.intervalMicros());
    String capacity = Long.toString(limit.capacityMicros());
    List<Object> reply;
    try {
      reply = conn.sync().evalsha(SCRIPT_SHA, ScriptOutputType.MULTI, keys, interval, capacity);
    } catch (RedisNoScriptException e) {
      reply = conn.sync().eval(SCRIPT, ScriptOutputType.MULTI, keys, interval, capacity);
    }
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
    StatefulRedisConnection<String, String> conn = connected();
    long start = System.nanoTime();
    conn.sync().ping();
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /** Where this limiter's Redis is, as {@code host:port} (no credentials). */
  public String target() {
    return target;
  }

  /** The longest a request waits for Redis. */
  public Duration commandTimeout() {
    return commandTimeout;
  }

  @Override
  public void close() {
    synchronized (connectLock) {
      if (connection != null) {
        connection.close();
        connection = null;
      }
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }

  private StatefulRedisConnection<String, String> connected() {
    synchronized (connectLock) {
      StatefulRedisConnection<String, String> conn = connection;
      if (conn != null && conn.isOpen()) {
        return conn;
      }
      if (conn != null) {
        conn.closeAsync();
      }
      conn = client.connect();
      conn.setTimeout(commandTimeout);
      connection = conn;
      return conn;
    }
  }

  private static String sha1(String script) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-1");
      return HexFormat.of().formatHex(digest.digest(script.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required of every JVM", e);
    }
  }
}
