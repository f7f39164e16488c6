package dev.arbiter.testsupport;

import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import redis.embedded.RedisServer;

/**
 * The Redis tests talk to. Never skips: if none can be found or started, the test fails.
 *
 * <p>{@link #uri()} is the shared Redis for ordinary tests: {@code TEST_REDIS_URL} when set, else
 * the machine's Redis at 127.0.0.1:6379 when it answers {@code PING}, else an embedded Redis 6.2
 * started once per JVM on a free port and stopped at JVM exit. Tests sharing it must use unique
 * keys and must never stop, flush or reconfigure it. {@link #startDedicated()} starts a private
 * embedded Redis a test may stop and restart at will (outages, script-cache loss).
 */
public final class TestRedis {
  private static final String LOCAL_HOST = "127.0.0.1";
  private static final int LOCAL_PORT = 6379;

  private static RedisURI shared;

  private TestRedis() {}

  /** The shared Redis, resolved once per JVM. */
  public static synchronized RedisURI uri() {
    if (shared == null) {
      shared = resolve();
    }
    return shared;
  }

  /**
   * A Redis of this test's own on a free loopback port, started. Close it when done; {@link
   * DedicatedRedis#stop()} and {@link DedicatedRedis#start()} simulate an outage and a recovery on
   * the same port.
   */
  public static DedicatedRedis startDedicated() {
    DedicatedRedis redis = new DedicatedRedis(freePort());
    redis.start();
    return redis;
  }

  private static RedisURI resolve() {
    String configured = System.getenv("TEST_REDIS_URL");
    if (configured != null && !configured.isBlank()) {
      return RedisURI.create(configured);
    }
    if (answersPing(LOCAL_HOST, LOCAL_PORT)) {
      return RedisURI.create(LOCAL_HOST, LOCAL_PORT);
    }
    DedicatedRedis embedded = startDedicated();
    Runtime.getRuntime()
        .addShutdownHook(new Thread(embedded::close, "test-redis-embedded-shutdown"));
    return embedded.uri();
  }

  private static boolean answersPing(String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 250);
      socket.setSoTimeout(500);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = in.readNBytes(7);
      return new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("Expected a free loopback port for an embedded Redis", e);
    }
  }

  /** An embedded Redis 6.2 owned by one test: no persistence, loopback only, fixed port. */
  public static final class DedicatedRedis implements AutoCloseable {
    private final int port;
    private final RedisServer server;

    private DedicatedRedis(int port) {
      this.port = port;
      try {
        this.server =
            RedisServer.newRedisServer()
                .port(port)
                .setting("bind 127.0.0.1")
                .setting("save \"\"")
                .setting("appendonly no")
                .build();
      } catch (IOException e) {
        throw new UncheckedIOException("Expected to prepare an embedded Redis on " + port, e);
      }
    }

    public int port() {
      return port;
    }

    public RedisURI uri() {
      return RedisURI.create(LOCAL_HOST, port);
    }

    public String url() {
      return "redis://" + LOCAL_HOST + ":" + port;
    }

    /** Starts the server (again) on the same port and waits until it answers PING. */
    public synchronized void start() {
      if (server.isActive()) {
        return;
      }
      try {
        server.start();
      } catch (IOException e) {
        throw new UncheckedIOException("Expected an embedded Redis to start on " + port, e);
      }
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (!answersPing(LOCAL_HOST, port)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("Embedded Redis on " + port + " does not answer PING");
        }
        Thread.onSpinWait();
      }
    }

    /** Stops the server process; its port refuses connections until {@link #start()}. */
    public synchronized void stop() {
      if (!server.isActive()) {
        return;
      }
      try {
        server.stop();
      } catch (IOException e) {
        throw new UncheckedIOException("Expected the embedded Redis on " + port + " to stop", e);
      }
    }

    public boolean running() {
      return server.isActive();
    }

    @Override
    public void close() {
      stop();
    }
  }
}
