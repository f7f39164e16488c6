package dev.arbiter.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code GET /metrics} (Prometheus text) and {@code GET /health/live} for a process that serves no
 * API: the {@code arbiter outbox-publisher} tier, whose relay counters, publish latency and last
 * tick exist only in its own process. A small JDK HTTP server on one daemon thread; a scrape reads
 * the registry and nothing else. Every metric is named {@code arbiter_*}, as on the API nodes.
 */
public final class MetricsHttpServer implements AutoCloseable {
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;
  private final JvmGcMetrics gc;

  private MetricsHttpServer(HttpServer server, ExecutorService executor, JvmGcMetrics gc) {
    this.server = server;
    this.executor = executor;
    this.gc = gc;
  }

  /** Names every meter {@code arbiter.*} (exported as {@code arbiter_*}); API nodes use it too. */
  public static MeterFilter arbiterPrefix() {
    return new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        return id.getName().startsWith("arbiter.") ? id : id.withName("arbiter." + id.getName());
      }
    };
  }

  /** A Prometheus registry with the {@code arbiter_} prefix, for a process without Spring. */
  public static PrometheusMeterRegistry registry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(arbiterPrefix());
    return registry;
  }

  /**
   * Binds {@code bindAddress:port} (0 for a free port) and serves {@code registry} with the JVM's
   * memory, GC, thread, class-loading, processor and uptime meters bound to it.
   *
   * @throws java.net.BindException when the port is taken
   */
  public static MetricsHttpServer start(
      String bindAddress, int port, PrometheusMeterRegistry registry) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(bindAddress, port), 16);
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("arbiter-metrics-http").unstarted(r));
    server.setExecutor(executor);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            handle(exchange, registry);
          }
        });
    JvmGcMetrics gc = bindJvmMeters(registry);
    server.start();
    return new MetricsHttpServer(server, executor, gc);
  }

  private static JvmGcMetrics bindJvmMeters(MeterRegistry registry) {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    return gc;
  }

  private static void handle(HttpExchange exchange, PrometheusMeterRegistry registry)
      throws IOException {
    String path = exchange.getRequestURI().getPath();
    String method = exchange.getRequestMethod();
    if (!path.equals("/metrics") && !path.equals("/health/live")) {
      send(exchange, 404, "application/json", "{\"status\":404,\"title\":\"Not Found\"}");
    } else if (!method.equals("GET") && !method.equals("HEAD")) {
      exchange.getResponseHeaders().set("Allow", "GET, HEAD");
      send(exchange, 405, "application/json", "{\"status\":405,\"title\":\"Method Not Allowed\"}");
    } else if (path.equals("/metrics")) {
      send(exchange, 200, PROMETHEUS_TEXT, registry.scrape());
    } else {
      send(exchange, 200, "application/json", "{\"status\":\"alive\"}");
    }
  }

  private static void send(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** The port it listens on (the chosen one when started with 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    gc.close();
  }
}
