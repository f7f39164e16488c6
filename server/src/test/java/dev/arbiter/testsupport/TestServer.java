package dev.arbiter.testsupport;

import dev.arbiter.ServerLauncher;
import dev.arbiter.config.ConfigLoader;
import dev.arbiter.security.ApiKeyService;
import dev.arbiter.tenant.Tenant;
import dev.arbiter.tenant.TenantService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Arbiter server on a free loopback port, configured through the same environment variables
 * as production, talking to a fresh test database. Tests speak HTTP to it.
 */
public final class TestServer implements AutoCloseable {
  public static final String PEPPER = "test-pepper-test-pepper-test-pepper-0123";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final ServerLauncher.Running running;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<String, String> env;

  private TestServer(ServerLauncher.Running running, Map<String, String> env) {
    this.running = running;
    this.env = env;
  }

  /** A server on a new empty database. */
  public static TestServer start() {
    return start(Map.of());
  }

  /** A server on a new empty database, with extra environment variables. */
  public static TestServer start(Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", TestDatabase.newDatabase());
    env.putAll(extraEnv);
    return startWithEnv(env);
  }

  /**
   * The environment of nodes that share a new database and the shared test Redis: start several
   * servers on it with {@link #startWithEnv}. Their Redis commands may take {@link
   * #SHARED_REDIS_TIMEOUT}, the longest allowed: a 2-core machine running the suite stalls a
   * command past the default quarter second often enough that a node would answer a two-node test
   * without Redis.
   */
  public static Map<String, String> sharedEnvWithRedis() {
    return Map.of(
        "DATABASE_URL",
        TestDatabase.newDatabase(),
        "REDIS_URL",
        TestRedis.uri().toURI().toString(),
        "ARBITER_REDIS_TIMEOUT",
        SHARED_REDIS_TIMEOUT.toString());
  }

  /** The Redis command timeout of the nodes {@link #sharedEnvWithRedis} starts. */
  public static final java.time.Duration SHARED_REDIS_TIMEOUT = java.time.Duration.ofSeconds(1);

  /** A server on exactly this environment (plus port 0, text logs and the test pepper). */
  public static TestServer startWithEnv(Map<String, String> given) {
    Map<String, String> env = new HashMap<>();
    env.put("PORT", "0");
    env.put("ARBITER_BIND_ADDRESS", "127.0.0.1");
    env.put("LOG_FORMAT", "text");
    env.put("API_KEY_PEPPER", PEPPER);
    env.put("ARBITER_SHUTDOWN_TIMEOUT", "10s");
    try {
      env.put("ARBITER_DATA_DIR", Files.createTempDirectory("arbiter-test").toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    env.putAll(given);
    return new TestServer(ServerLauncher.start(ConfigLoader.load(env), false), Map.copyOf(env));
  }

  public Map<String, String> env() {
    return env;
  }

  public int port() {
    return running.port();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  public <T> T bean(Class<T> type) {
    return running.bean(type);
  }

  /** Creates (or finds) a tenant and returns a new key with {@code role} for it. */
  public String apiKey(String tenantKey, String role) {
    Tenant t = bean(TenantService.class).findOrCreate(tenantKey, tenantKey);
    return bean(ApiKeyService.class).create(t, role + " test key", role, "test").key();
  }

  /** The id of the tenant with this key; it must exist. */
  public String tenantId(String tenantKey) {
    return bean(TenantService.class).find(tenantKey).orElseThrow().id();
  }

  public Response get(String path, String... headers) {
    return send("GET", path, null, headers);
  }

  public Response post(String path, Object body, String... headers) {
    return send("POST", path, body, headers);
  }

  public Response put(String path, Object body, String... headers) {
    return send("PUT", path, body, headers);
  }

  public Response delete(String path, String... headers) {
    return send("DELETE", path, null, headers);
  }

  /** Sends a request; {@code body} is serialised to JSON unless it is already a String. */
  public Response send(String method, String path, Object body, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(30));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      String text = body instanceof String s ? s : JSON.writeValueAsString(body);
      b.header("Content-Type", "application/json");
      b.method(method, HttpRequest.BodyPublishers.ofString(text));
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.headers().map(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Authorization and tenant headers for a key. */
  public static String[] auth(String key, String tenant) {
    return new String[] {"Authorization", "Bearer " + key, "X-Tenant-Id", tenant};
  }

  @Override
  public void close() {
    running.close();
  }

  /** An HTTP response with its body parsed on demand. */
  public record Response(int status, Map<String, java.util.List<String>> headers, String body) {
    public JsonNode json() {
      return JSON.readTree(body);
    }

    public String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse(null);
    }

    /** The problem {@code code}, for error assertions. */
    public String code() {
      return json().path("code").asString();
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }
}
