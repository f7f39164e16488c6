package dev.arbiter.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One Redis connection for a component on the request path. Commands fail at once while
 * disconnected and time out after the command timeout, so no request waits on a dead Redis; {@link
 * #ping()} (called by the component's probe) is the only thing that connects. Thread-safe.
 */
public final class FailFastRedis implements AutoCloseable {
  /**
   * The command timeout unless {@code ARBITER_REDIS_TIMEOUT} sets another: a Redis on the same
   * network answers in well under a millisecond.
   */
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(250);

  /** How long {@link #ping()} may take to open a connection. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);

  private final RedisClient client;
  private final Duration commandTimeout;
  private final String target;
  private final Object connectLock = new Object();
  private volatile Link link;

  /**
   * The open connection and its write state, replaced together on a reconnect, so a write always
   * takes the buffer its counts are of.
   *
   * @param awaited commands sent on it and not yet answered
   * @param writing whether a sender is on its way to write the buffer (see {@link #send})
   */
  private record Link(
      StatefulRedisConnection<String, String> conn, AtomicInteger awaited, AtomicBoolean writing) {
    Link(StatefulRedisConnection<String, String> conn) {
      this(conn, new AtomicInteger(), new AtomicBoolean());
    }
  }

  /**
   * A client for the Redis at {@code uri}. Does not connect yet: call {@link #ping()}.
   *
   * @param resources shared Lettuce resources, or null for the client's own; {@link #close()}
   *     leaves shared resources running
   * @param commandTimeout the longest a command waits for Redis
   */
  public FailFastRedis(ClientResources resources, RedisURI uri, Duration commandTimeout) {
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
            // Reconnecting is ping()'s job, on a probe thread, so no request ever waits for it.
            .autoReconnect(false)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
            .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).build())
            .build());
  }

  /**
   * Sends a command on the connection, writing it together with the commands other threads send at
   * the same time. The connection does not write a command as it is sent ({@code
   * setAutoFlushCommands(false)}):
   *
   * <ul>
   *   <li>when no other command of this connection awaits its reply (a lone caller, a quiet
   *       server), the command is written at once;
   *   <li>otherwise the first command sent after a write becomes the writer: on a virtual thread it
   *       first yields, so the request threads already queued on the scheduler send theirs, then it
   *       writes everything sent by then. Commands sent meanwhile only join the buffer.
   * </ul>
   *
   * <p>Under load one socket write, one wake-up of the connection's event loop and one read on
   * Redis's side so carry the commands of several decisions (about six on the benchmark, where
   * before each had about one of its own), which cut the server's CPU per decision with {@code
   * REDIS_URL} (bench/RESULTS.md). A command is never left unwritten: the writer's flag is cleared
   * before it writes, so a command that found it set is in the buffer when the write takes it; and
   * every command still ends by the command timeout.
   *
   * @param command sends one command with the connection's async API
   * @return the command's reply; it may fail with other exceptions than Lettuce's (a write on a
   *     connection closing under it): {@link #redisFailure} tells them as Redis failures
   * @throws RedisConnectionException at once when not connected (never connects)
   */
  public <T> RedisFuture<T> send(
      Function<RedisAsyncCommands<String, String>, RedisFuture<T>> command) {
    return sent(command).reply();
  }

  /**
   * {@link #send}, then waits for the reply without a timer of the caller's own: the command itself
   * ends by the command timeout ({@code TimeoutOptions}, which completes it with a {@link
   * io.lettuce.core.RedisCommandTimeoutException}), so an untimed wait ends then too. The sync API
   * waits with a timeout as well, which on a virtual thread schedules and cancels a delayed unpark
   * per command: with Redis configured, that hand-off cost Recommend more JVM CPU than the
   * command's own bookkeeping ({@code bench/RESULTS.md}).
   *
   * @throws RedisException what the command failed with, as the sync API throws it
   */
  public <T> T call(Function<RedisAsyncCommands<String, String>, RedisFuture<T>> command) {
    // waits for the reply after it was counted as answered, so a caller's next command, sent as
    // soon as this returns, finds this one no longer awaited
    return join(sent(command).answered());
  }

  /**
   * {@link #call}s a Lua script by its SHA-1 ({@code EVALSHA}), and by its source ({@code EVAL})
   * when Redis does not hold it (a restarted or flushed Redis), which also loads it again.
   *
   * @param sha {@link #sha1} of {@code script}
   */
  public <T> T script(
      String script, String sha, ScriptOutputType type, String[] keys, String... args) {
    try {
      return call(c -> c.evalsha(sha, type, keys, args));
    } catch (RedisNoScriptException e) {
      return call(c -> c.eval(script, type, keys, args));
    }
  }

  /** A command sent: its reply, and that reply once the command counts as answered. */
  private record Sent<T>(RedisFuture<T> reply, CompletableFuture<T> answered) {}

  private <T> Sent<T> sent(Function<RedisAsyncCommands<String, String>, RedisFuture<T>> command) {
    Link link = this.link;
    if (link == null || !link.conn().isOpen()) {
      throw new RedisConnectionException("Not connected to Redis at " + target);
    }
    RedisFuture<T> reply = command.apply(link.conn().async()); // into the connection's buffer
    boolean alone = link.awaited().incrementAndGet() == 1;
    // counted down whatever happens next (a rejected command is complete already)
    CompletableFuture<T> answered =
        reply.toCompletableFuture().whenComplete((r, e) -> link.awaited().decrementAndGet());
    if (alone) {
      link.conn().flushCommands(); // no other command awaits its reply: nothing to wait for
    } else if (link.writing().compareAndSet(false, true)) {
      if (Thread.currentThread().isVirtual()) {
        Thread.yield();
      }
      link.writing().set(false); // first: a command sent from here on makes another write
      link.conn().flushCommands();
    }
    return new Sent<>(reply, answered);
  }

  /**
   * Connects if not connected, then sends {@code PING}.
   *
   * @return the round-trip time of the {@code PING}
   * @throws io.lettuce.core.RedisException when Redis cannot be reached within {@link
   *     #CONNECT_TIMEOUT} or does not answer within the command timeout
   */
  public Duration ping() {
    connected();
    long start = System.nanoTime();
    call(RedisAsyncCommands::ping);
    return Duration.ofNanos(System.nanoTime() - start);
  }

  private static <T> T join(CompletableFuture<T> reply) {
    try {
      return reply.join();
    } catch (CompletionException | CancellationException e) {
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      if (cause instanceof RedisException redis) {
        throw redis;
      }
      throw new RedisException(cause.getMessage(), cause);
    }
  }

  /**
   * What a command failed with ({@code cause}, unwrapped from its future's exception), as a {@link
   * RedisConnectionException} when it is an I/O failure: a write on a connection that closed under
   * it fails with Netty's {@code ClosedChannelException}, which to its caller is Redis failing like
   * any other. Anything else (a bug, an {@link Error}) is returned as it is.
   */
  public static Throwable redisFailure(Throwable cause) {
    return cause instanceof java.io.IOException io
        ? new RedisConnectionException("Redis connection failed: " + io, io)
        : cause;
  }

  /** Where Redis is, as {@code host:port} (no credentials). */
  public String target() {
    return target;
  }

  /** The longest a command waits for Redis. */
  public Duration commandTimeout() {
    return commandTimeout;
  }

  @Override
  public void close() {
    synchronized (connectLock) {
      if (link != null) {
        link.conn().close();
        link = null;
      }
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }

  private void connected() {
    synchronized (connectLock) {
      Link current = link;
      if (current != null && current.conn().isOpen()) {
        return;
      }
      if (current != null) {
        current.conn().closeAsync();
      }
      StatefulRedisConnection<String, String> conn = client.connect();
      conn.setTimeout(commandTimeout);
      conn.setAutoFlushCommands(false); // see send
      link = new Link(conn);
    }
  }

  /** The SHA-1 a Lua script is loaded under, for {@code EVALSHA}. */
  public static String sha1(String script) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-1");
      return HexFormat.of().formatHex(digest.digest(script.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required of every JVM", e);
    }
  }
}
