package dev.arbiter;

import dev.arbiter.config.ArbiterConfig;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts the HTTP server for a validated configuration. Used by {@code arbiter serve} and by
 * integration tests, which start real servers this way.
 */
public final class ServerLauncher {
  private ServerLauncher() {}

  /** A started server; closing it shuts down gracefully. */
  public record Running(ConfigurableApplicationContext context) implements AutoCloseable {
    public int port() {
      return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    public <T> T bean(Class<T> type) {
      return context.getBean(type);
    }

    @Override
    public void close() {
      context.close();
    }
  }

  /**
   * Starts a server.
   *
   * @param registerShutdownHook whether SIGTERM closes it gracefully (true for {@code serve})
   */
  public static Running start(ArbiterConfig config, boolean registerShutdownHook) {
    SpringApplication app = new SpringApplication(ArbiterApplication.class);
    app.setBannerMode(Banner.Mode.OFF);
    app.setRegisterShutdownHook(registerShutdownHook);
    Map<String, Object> properties = springProperties(config);
    // As defaults they set up logging, which starts before any initializer; first among the
    // sources they win over Spring's own variables in the environment (SERVER_PORT,
    // SERVER_SHUTDOWN, SERVER_FORWARD_HEADERS_STRATEGY…), so PORT, graceful shutdown and the
    // refusal of forwarded headers from untrusted peers hold whatever else the environment says.
    app.setDefaultProperties(properties);
    app.addInitializers(
        ctx -> {
          ctx.getEnvironment()
              .getPropertySources()
              .addFirst(new org.springframework.core.env.MapPropertySource("arbiter", properties));
          ctx.getBeanFactory().registerSingleton("arbiterConfig", config);
        });
    return new Running(app.run());
  }

  /** The Spring properties (server, logging) that follow from the configuration. */
  public static Map<String, Object> springProperties(ArbiterConfig config) {
    Map<String, Object> p = new HashMap<>();
    p.put("server.port", config.port());
    p.put("server.address", config.bindAddress());
    p.put("server.shutdown", "graceful");
    p.put(
        "spring.lifecycle.timeout-per-shutdown-phase", config.shutdownTimeout().toMillis() + "ms");
    p.put("spring.threads.virtual.enabled", true);
    // X-Forwarded-For is read by ClientAddresses, from ARBITER_TRUSTED_PROXIES only: Tomcat's
    // RemoteIpValve, which Spring Boot turns on by itself on Kubernetes and other clouds, would
    // trust every private address and let a client behind an L4 balancer choose its own
    p.put("server.forward-headers-strategy", "none");
    p.put("spring.main.banner-mode", "off");
    p.put("server.error.whitelabel.enabled", false);
    p.put("spring.mvc.problemdetails.enabled", false);
    p.put("management.endpoints.access.default", "none");
    p.put("management.endpoints.web.exposure.include", "");
    p.put("springdoc.api-docs.path", "/api/openapi.json");
    p.put("springdoc.paths-to-match", "/api/**,/health/**,/metrics");
    p.put("logging.level.root", config.logLevel());
    p.put("logging.level.io.zonky", "WARN");
    p.put("logging.level.org.flywaydb", "WARN");
    p.put("logging.level.com.zaxxer.hikari.pool.PoolBase", "ERROR");
    if (config.logFormat() == ArbiterConfig.LogFormat.JSON) {
      p.put("logging.structured.format.console", "logstash");
    }
    return p;
  }
}
