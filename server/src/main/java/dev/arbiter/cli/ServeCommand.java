package dev.arbiter.cli;

import dev.arbiter.ServerLauncher;
import dev.arbiter.config.ArbiterConfig;
import dev.arbiter.config.ConfigLoader;
import dev.arbiter.demo.DemoSeeder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.context.event.ContextClosedEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code arbiter serve}: the HTTP API. Runs until SIGTERM/SIGINT, then shuts down gracefully. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Start the HTTP API server.")
class ServeCommand implements Callable<Integer> {
  @Option(
      names = "--demo",
      description =
          "Create tenant 'demo' with demo data and print an admin API key (ARBITER_DEMO).")
  boolean demo;

  @Option(names = "--port", description = "HTTP port (PORT, default 8080).")
  Integer port;

  @Override
  public Integer call() {
    Map<String, String> overrides = new HashMap<>();
    if (demo) {
      overrides.put("ARBITER_DEMO", "true");
    }
    if (port != null) {
      overrides.put("PORT", port.toString());
    }
    ArbiterConfig config = CliSupport.config(overrides, System.err, ConfigLoader.Need.API_KEYS);
    if (config == null) {
      return ExitCodes.BAD_CONFIGURATION;
    }
    if (!portFree(config)) {
      return portTaken(config.port());
    }
    ServerLauncher.Running server;
    try {
      server = ServerLauncher.start(config, true);
    } catch (RuntimeException e) {
      if (causedBy(e, PortInUseException.class)) {
        return portTaken(config.port());
      }
      System.err.println("arbiter serve: could not start: " + rootMessage(e));
      return ExitCodes.FAILURE;
    }
    CountDownLatch closed = new CountDownLatch(1);
    server
        .context()
        .addApplicationListener(
            event -> {
              if (event instanceof ContextClosedEvent) {
                closed.countDown();
              }
            });
    if (config.demo()) {
      String key = server.bean(DemoSeeder.class).seed();
      System.out.println("ARBITER_API_KEY=" + key);
      System.out.println(
          "Try: curl -s -H \"Authorization: Bearer "
              + key
              + "\" -H \"X-Tenant-Id: demo\" http://localhost:"
              + server.port()
              + "/api/v1/me");
      System.out.flush();
    }
    try {
      closed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return ExitCodes.OK;
  }

  private static boolean portFree(ArbiterConfig config) {
    if (config.port() == 0) {
      return true;
    }
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(config.bindAddress()), config.port()));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int portTaken(int port) {
    System.err.println(
        "arbiter serve: port "
            + port
            + " is already in use; set PORT to a free port (e.g. PORT=8081)");
    return ExitCodes.BAD_CONFIGURATION;
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }
}
