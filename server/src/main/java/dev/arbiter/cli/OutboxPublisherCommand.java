package dev.arbiter.cli;

import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import dev.arbiter.ServerLauncher;
import dev.arbiter.config.ArbiterConfig;
import dev.arbiter.config.ConfigLoader;
import dev.arbiter.db.Database;
import dev.arbiter.ops.MetricsHttpServer;
import dev.arbiter.outbox.OutboxMaintenance;
import dev.arbiter.outbox.OutboxMetrics;
import dev.arbiter.outbox.OutboxProperties;
import dev.arbiter.outbox.OutboxPublisher;
import dev.arbiter.outbox.OutboxStore;
import dev.arbiter.outbox.jdbc.JdbcOutboxStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingInitializationContext;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import picocli.CommandLine.Command;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code arbiter outbox-publisher}: the publisher tier alone, without the HTTP API. Serves {@code
 * /metrics} and {@code /health/live} on {@code OUTBOX_PUBLISHER_METRICS_PORT}; touches {@code
 * OUTBOX_LIVENESS_FILE} every loop; on SIGTERM stops claiming, drains within {@code
 * OUTBOX_SHUTDOWN_DRAIN_TIMEOUT_MS} and exits 0; exits 2 on bad configuration and 3 after {@value
 * OutboxPublisher#SUSTAINED_FAILURES} consecutive non-transient failures.
 */
@Command(
    name = "outbox-publisher",
    mixinStandardHelpOptions = true,
    description = "Relay the outbox to Kafka (KAFKA_BOOTSTRAP_SERVERS required), without the API.")
class OutboxPublisherCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    ArbiterConfig config = CliSupport.config(Map.of(), System.err, ConfigLoader.Need.KAFKA);
    if (config == null) {
      return ExitCodes.BAD_CONFIGURATION;
    }
    initLogging(config);
    Logger log = LoggerFactory.getLogger(OutboxPublisherCommand.class);
    config.warnings().forEach(w -> log.warn("Configuration: {}", w));
    OutboxProperties props = config.outbox();
    Database db;
    try {
      db = CliSupport.openMigrated(config);
    } catch (RuntimeException e) {
      log.error("outbox-publisher: could not open the database: {}", e.getMessage());
      return ExitCodes.FAILURE;
    }
    DataSource ds = db.dataSource();
    OutboxStore store =
        new JdbcOutboxStore(
            JdbcClient.create(ds),
            new JdbcTemplate(ds),
            new TransactionTemplate(new DataSourceTransactionManager(ds)),
            JsonMapper.builder().build());
    // The relay's own counters (published, retried, failed, latency, last tick) exist only here.
    PrometheusMeterRegistry registry = MetricsHttpServer.registry();
    MetricsHttpServer metricsServer = null;
    if (config.publisherMetricsPort().isPresent()) {
      int port = config.publisherMetricsPort().getAsInt();
      try {
        metricsServer = MetricsHttpServer.start(config.bindAddress(), port, registry);
      } catch (IOException e) {
        System.err.println(
            "arbiter outbox-publisher: "
                + (e instanceof BindException
                    ? "port " + port + " is already in use"
                    : "cannot serve /metrics on port " + port + " (" + e.getMessage() + ")")
                + "; set OUTBOX_PUBLISHER_METRICS_PORT to a free port (or off)");
        db.close();
        return ExitCodes.BAD_CONFIGURATION;
      }
      log.info(
          "outbox-publisher: /metrics and /health/live on {}:{}",
          config.bindAddress(),
          metricsServer.port());
    }
    // the pool's gauges and timers, named as on the API nodes (arbiter_hikaricp_*)
    db.pool().setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
    OutboxMetrics metrics = new OutboxMetrics(registry, true);
    Clock clock = Clock.systemUTC();
    OutboxMaintenance maintenance = new OutboxMaintenance(store, props, metrics, clock);
    AtomicInteger exit = new AtomicInteger(ExitCodes.OK);
    CountDownLatch stop = new CountDownLatch(1);
    Liveness liveness = new Liveness(props.livenessFile(), log);
    OutboxPublisher publisher =
        OutboxPublisher.toKafka(
            store,
            maintenance,
            props,
            metrics,
            new OutboxPublisher.Listener() {
              @Override
              public void onTick() {
                liveness.touch();
              }

              @Override
              public void onSustainedFailure(String lastError) {
                exit.set(ExitCodes.SUSTAINED_FAILURE);
                stop.countDown();
              }
            },
            clock);
    AtomicBoolean stopped = new AtomicBoolean();
    MetricsHttpServer stoppedMetrics = metricsServer;
    Runnable shutdown =
        () -> {
          if (stopped.compareAndSet(false, true)) {
            log.info("outbox-publisher: draining (at most {})", props.drainTimeout());
            publisher.close();
            db.close();
            if (stoppedMetrics != null) {
              stoppedMetrics.close();
            }
            log.info("outbox-publisher: stopped");
          }
        };
    Thread hook =
        new Thread(
            () -> {
              shutdown.run();
              System.out.flush();
              System.err.flush();
              // A signal ends the JVM with 128+signal after the hooks; a drained stop is a success.
              Runtime.getRuntime().halt(exit.get());
            },
            "arbiter-outbox-drain");
    Runtime.getRuntime().addShutdownHook(hook);
    publisher.start(db::connectDirect);
    log.info(
        "outbox-publisher: relaying to {} topic {} (poll {} ms, batch {})",
        props.bootstrapServers().orElseThrow(),
        props.topic(),
        props.pollInterval().toMillis(),
        props.batchSize());
    try {
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Sustained failure: stop here rather than in the hook, then leave with code 3.
    shutdown.run();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down
    }
    return exit.get();
  }

  /** The same logging as {@code serve} (JSON lines by default), without a Spring context. */
  private static void initLogging(ArbiterConfig config) {
    StandardEnvironment env = new StandardEnvironment();
    env.getPropertySources()
        .addFirst(new MapPropertySource("arbiter", ServerLauncher.springProperties(config)));
    LoggingSystem system = LoggingSystem.get(OutboxPublisherCommand.class.getClassLoader());
    system.beforeInitialize();
    system.initialize(new LoggingInitializationContext(env), null, null);
    system.setLogLevel(null, LogLevel.valueOf(config.logLevel()));
    system.setLogLevel("org.apache.kafka", LogLevel.WARN);
    system.setLogLevel("io.zonky", LogLevel.WARN);
    system.setLogLevel("org.flywaydb", LogLevel.WARN);
    system.setLogLevel("com.zaxxer.hikari", LogLevel.WARN);
  }

  /** The liveness file: its modification time is the last loop. */
  private static final class Liveness {
    private final Path file;
    private final Logger log;
    private boolean warned;

    Liveness(Path file, Logger log) {
      this.file = file;
      this.log = log;
    }

    void touch() {
      try {
        if (Files.exists(file)) {
          Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
        } else {
          Files.writeString(file, "arbiter outbox-publisher pid " + ProcessHandle.current().pid());
        }
        warned = false;
      } catch (IOException e) {
        if (!warned) {
          log.warn("Cannot touch the liveness file {}: {}", file, e.getMessage());
          warned = true;
        }
      }
    }
  }
}
