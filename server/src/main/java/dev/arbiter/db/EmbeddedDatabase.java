package dev.arbiter.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embedded PostgreSQL with its data kept under {@code <dataDir>/pg}, so a restart loses nothing. If
 * another Arbiter process already runs PostgreSQL on that directory (for example {@code arbiter
 * api-key create} next to {@code arbiter serve}), this attaches to it instead of starting a second
 * server.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);

  private final EmbeddedPostgres postgres;
  private final int port;

  private EmbeddedDatabase(EmbeddedPostgres postgres, int port) {
    this.postgres = postgres;
    this.port = port;
  }

  /** Starts, or attaches to, the embedded server of {@code dataDir}. */
  public static EmbeddedDatabase open(Path dataDir) {
    Path pgDir = dataDir.resolve("pg");
    Integer running = runningPort(pgDir);
    if (running != null) {
      log.info("Attaching to embedded PostgreSQL already running on port {}", running);
      return new EmbeddedDatabase(null, running);
    }
    try {
      Files.createDirectories(pgDir);
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder()
              .setDataDirectory(pgDir)
              .setCleanDataDirectory(false)
              // Stopped by close(), after the pool, in Spring's shutdown order.
              .setRegisterShutdownHook(false)
              .setPGStartupWait(java.time.Duration.ofSeconds(60))
              .setServerConfig("max_connections", "300")
              // The embedded server is the system of record by default: durable commits, unlike
              // the library's test-oriented defaults.
              .setServerConfig("fsync", "on")
              .setServerConfig("synchronous_commit", "on")
              .setServerConfig("full_page_writes", "on")
              .setOutputRedirector(ProcessBuilder.Redirect.DISCARD)
              .setErrorRedirector(ProcessBuilder.Redirect.DISCARD)
              .start();
      log.info("Started embedded PostgreSQL on port {} with data in {}", pg.getPort(), pgDir);
      return new EmbeddedDatabase(pg, pg.getPort());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Could not start embedded PostgreSQL in " + pgDir + ": " + e.getMessage(), e);
    }
  }

  /** The port of a live postmaster on {@code pgDir}, read from its {@code postmaster.pid}. */
  private static Integer runningPort(Path pgDir) {
    Path pidFile = pgDir.resolve("postmaster.pid");
    if (!Files.isRegularFile(pidFile)) {
      return null;
    }
    try {
      List<String> lines = Files.readAllLines(pidFile);
      if (lines.size() < 4) {
        return null;
      }
      long pid = Long.parseLong(lines.get(0).trim());
      int port = Integer.parseInt(lines.get(3).trim());
      boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
      if (!alive) {
        return null;
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return port;
      }
    } catch (IOException | NumberFormatException e) {
      return null;
    }
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  public String user() {
    return "postgres";
  }

  public int port() {
    return port;
  }

  /** Whether this process started the server (and so stops it on close). */
  public boolean owned() {
    return postgres != null;
  }

  @Override
  public void close() {
    if (postgres != null) {
      try {
        postgres.close();
      } catch (IOException e) {
        log.warn("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
      }
    }
  }
}
