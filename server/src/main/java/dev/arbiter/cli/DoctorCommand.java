package dev.arbiter.cli;

import dev.arbiter.config.ArbiterConfig;
import dev.arbiter.config.ConfigException;
import dev.arbiter.config.ConfigLoader;
import dev.arbiter.db.Database;
import dev.arbiter.db.Migrations;
import dev.arbiter.ops.BuildVersion;
import dev.arbiter.outbox.KafkaProbe;
import dev.arbiter.ratelimit.RedisUrls;
import dev.arbiter.redis.FailFastRedis;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.springframework.jdbc.core.simple.JdbcClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code arbiter doctor}: a diagnostic bundle to attach to a support request or read during an
 * incident. One JSON document: the version and runtime; the configuration as the environment gives
 * it, every secret redacted, with every problem the server would refuse to start with; and the
 * state of what the configuration names (the database with its migrations and outbox backlog,
 * Redis, Kafka) and of a server running on this machine ({@code /api/health}). It never changes
 * anything (no migration is applied) and reports a broken configuration instead of stopping at it.
 * Exit 0 when the configuration is valid and every configured dependency answers, 1 otherwise.
 */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description =
        "Write a diagnostic bundle (JSON, secrets redacted): version, runtime, configuration and"
            + " its problems, database, migrations, outbox backlog, Redis, Kafka and a running"
            + " server's health. Exit 0 when all that is configured answers, 1 otherwise.")
class DoctorCommand implements Callable<Integer> {
  @Option(
      names = "--output",
      paramLabel = "FILE",
      description = "Write the bundle to FILE instead of standard output.")
  Path output;

  @Option(
      names = "--url",
      paramLabel = "URL",
      description = "The server to ask for /api/health (default http://127.0.0.1:$PORT).")
  String url;

  /** Variables that are secrets as a whole: shown only as set. */
  private static final List<String> SECRETS =
      List.of("JWT_SECRET", "API_KEY_PEPPER", "CRON_SECRET", "ARBITER_EXTERNAL_MODEL_HEADERS");

  /** The variables Arbiter reads, by name or prefix. */
  private static final Pattern OURS =
      Pattern.compile(
          "PORT|DATABASE_URL|REDIS_URL|JWKS_URL|API_KEY_PEPPER|CRON_SECRET|TEST_DATABASE_URL"
              + "|(ARBITER|KAFKA|OUTBOX|PG|JWT|RATE_LIMIT|LOG|RESPOND)_[A-Z0-9_]*|RATE_LIMIT");

  /** A URL's password and query (which may carry one). */
  private static final Pattern URL_PASSWORD = Pattern.compile("(://[^:/@?#]*):[^@/?#]*@");

  @Override
  public Integer call() {
    CliSupport.quietLogging();
    Map<String, String> env = System.getenv();
    Map<String, Object> bundle = new LinkedHashMap<>();
    bundle.put("generatedAt", Instant.now().toString());
    bundle.put("version", BuildVersion.load().version());
    bundle.put("runtime", runtime());
    // what every process needs: the dependencies are checked with that, so a publisher or
    // migration host, which has no API key pepper, is diagnosed too
    ArbiterConfig config = null;
    List<String> problems = List.of();
    try {
      config = ConfigLoader.loadFor(env);
    } catch (ConfigException e) {
      problems = e.problems();
    }
    // what serve would refuse besides: said, but no reason not to check the dependencies
    List<String> serveProblems = List.of();
    if (config != null) {
      try {
        ConfigLoader.load(env);
      } catch (ConfigException e) {
        serveProblems = e.problems();
      }
    }
    Map<String, Object> configuration = new LinkedHashMap<>();
    configuration.put("valid", config != null);
    configuration.put("problems", problems);
    configuration.put("problemsForServe", serveProblems);
    configuration.put("warnings", config == null ? List.of() : config.warnings());
    configuration.put("environment", settings(env));
    bundle.put("configuration", configuration);

    boolean healthy = config != null;
    if (config == null) {
      Map<String, Object> skipped = Map.of("status", "skipped", "reason", "configuration invalid");
      bundle.put("database", skipped);
      bundle.put("redis", skipped);
      bundle.put("kafka", skipped);
    } else {
      Map<String, Object> database = database(config);
      Map<String, Object> redis = redis(config);
      Map<String, Object> kafka = kafka(config);
      bundle.put("database", database);
      bundle.put("redis", redis);
      bundle.put("kafka", kafka);
      healthy = answered(database) && answered(redis) && answered(kafka);
    }
    String serverUrl = url != null ? url : "http://127.0.0.1:" + env.getOrDefault("PORT", "8080");
    bundle.put("server", server(serverUrl));
    bundle.put("healthy", healthy);

    JsonMapper json = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    String text = json.writeValueAsString(bundle) + System.lineSeparator();
    try {
      if (output == null) {
        System.out.print(text);
      } else {
        Files.writeString(output, text);
        System.err.println("arbiter doctor: wrote " + output.toAbsolutePath());
      }
    } catch (IOException e) {
      System.err.println("arbiter doctor: cannot write " + output + ": " + e.getMessage());
      return ExitCodes.FAILURE;
    }
    System.err.println(
        "arbiter doctor: configuration "
            + (config != null ? "valid" : "invalid (" + problems.size() + " problem(s))")
            + "; database "
            + status(bundle.get("database"))
            + ", redis "
            + status(bundle.get("redis"))
            + ", kafka "
            + status(bundle.get("kafka"))
            + "; server at "
            + serverUrl
            + " "
            + status(bundle.get("server")));
    return healthy ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  private static boolean answered(Map<String, Object> check) {
    Object s = check.get("status");
    return "up".equals(s) || "disabled".equals(s);
  }

  private static Object status(Object check) {
    return check instanceof Map<?, ?> m ? m.get("status") : "unknown";
  }

  private static Map<String, Object> runtime() {
    Runtime rt = Runtime.getRuntime();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("java", System.getProperty("java.version"));
    m.put("javaVendor", System.getProperty("java.vendor"));
    m.put("vm", System.getProperty("java.vm.name"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("arch", System.getProperty("os.arch"));
    m.put("cpus", rt.availableProcessors());
    m.put("maxHeapBytes", rt.maxMemory());
    m.put("jvmArguments", ManagementFactory.getRuntimeMXBean().getInputArguments());
    return m;
  }

  /** Arbiter's variables as set, secrets redacted. */
  static Map<String, String> settings(Map<String, String> env) {
    Map<String, String> shown = new TreeMap<>();
    env.forEach(
        (name, value) -> {
          if (OURS.matcher(name).matches()) {
            shown.put(name, redacted(name, value));
          }
        });
    return shown;
  }

  static String redacted(String name, String value) {
    if (SECRETS.contains(name) || name.startsWith("KAFKA_CLIENT_")) {
      // Kafka client settings carry JAAS configurations and keystore passwords
      return "(set, redacted)";
    }
    if (name.endsWith("_URL")) {
      String v = URL_PASSWORD.matcher(value).replaceAll("$1:***@");
      int query = v.indexOf('?');
      return query < 0 ? v : v.substring(0, query) + "?(redacted)";
    }
    return value;
  }

  private static Map<String, Object> database(ArbiterConfig config) {
    Map<String, Object> m = new LinkedHashMap<>();
    long start = System.nanoTime();
    try (Database db = Database.open(config, "arbiter-doctor")) {
      m.put("description", db.description());
      JdbcClient jdbc = JdbcClient.create(db.dataSource());
      m.put("serverVersion", jdbc.sql("show server_version").query(String.class).single());
      m.put("status", "up");
      m.put("latencyMs", (System.nanoTime() - start) / 1_000_000);
      Migrations migrations = db.migrations();
      Map<String, Object> schema = new LinkedHashMap<>();
      schema.put("pending", migrations.pendingCount());
      schema.put("migrations", migrations.status());
      m.put("schema", schema);
      m.put("tenants", section(() -> count(jdbc, "select count(*) from tenants")));
      m.put("outbox", section(() -> outbox(jdbc)));
      m.put("tables", section(() -> tables(jdbc)));
    } catch (RuntimeException e) {
      m.put("status", "down");
      m.put("latencyMs", (System.nanoTime() - start) / 1_000_000);
      m.put("error", String.valueOf(e.getMessage()));
    }
    return m;
  }

  /** One part of the database's report: a failed query (a table not yet migrated) says so. */
  private static Object section(java.util.function.Supplier<Object> read) {
    try {
      return read.get();
    } catch (RuntimeException e) {
      return Map.of("error", String.valueOf(e.getMessage()));
    }
  }

  private static long count(JdbcClient jdbc, String sql) {
    return jdbc.sql(sql).query(Long.class).single();
  }

  /** Rows and events by status, and the oldest pending event's age. */
  private static Map<String, Object> outbox(JdbcClient jdbc) {
    Map<String, Object> m = new LinkedHashMap<>();
    jdbc.sql(
            "select status, count(*) as rows, coalesce(sum(event_count), 0) as events"
                + " from outbox_events group by status order by status")
        .query()
        .listOfRows()
        .forEach(
            r ->
                m.put(
                    (String) r.get("status"),
                    Map.of("rows", r.get("rows"), "events", r.get("events"))));
    m.put(
        "oldestPendingSeconds",
        jdbc.sql(
                "select extract(epoch from now() - min(created_at))::bigint from outbox_events"
                    + " where status = 'pending'")
            .query(Long.class)
            .optional()
            .orElse(null));
    return m;
  }

  /** The largest tables: estimated rows and bytes on disk (indexes and TOAST included). */
  private static List<Map<String, Object>> tables(JdbcClient jdbc) {
    List<Map<String, Object>> tables = new ArrayList<>();
    jdbc.sql(
            """
            select c.relname as name, greatest(c.reltuples, 0)::bigint as estimated_rows,
                   pg_total_relation_size(c.oid) as bytes
              from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where c.relkind in ('r', 'p') and n.nspname = current_schema()
             order by pg_total_relation_size(c.oid) desc
             limit 15
            """)
        .query()
        .listOfRows()
        .forEach(r -> tables.add(new LinkedHashMap<>(r)));
    return tables;
  }

  private static Map<String, Object> redis(ArbiterConfig config) {
    if (config.redisUrl().isEmpty()) {
      return Map.of("status", "disabled", "mode", "in-process counters and contact history");
    }
    Map<String, Object> m = new LinkedHashMap<>();
    RedisUrls.Result parsed = RedisUrls.parse(config.redisUrl().get());
    try (FailFastRedis redis = new FailFastRedis(null, parsed.uri(), Duration.ofSeconds(2))) {
      m.put("target", redis.target());
      m.put("latencyMs", redis.ping().toMillis());
      m.put("status", "up");
      Map<String, String> server = info(redis, "server");
      Map<String, String> memory = info(redis, "memory");
      m.put("version", server.get("redis_version"));
      m.put("usedMemory", memory.get("used_memory_human"));
      m.put("maxMemory", memory.get("maxmemory_human"));
      m.put("maxMemoryPolicy", memory.get("maxmemory_policy"));
      m.put("persistence", info(redis, "persistence").get("aof_enabled"));
    } catch (RuntimeException e) {
      m.put("status", "down");
      m.put("error", String.valueOf(e.getMessage()));
    }
    return m;
  }

  /** The {@code key:value} lines of Redis's INFO {@code section}. */
  private static Map<String, String> info(FailFastRedis redis, String section) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : redis.call(c -> c.info(section)).split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("#")) {
        m.put(line.substring(0, colon), line.substring(colon + 1).trim());
      }
    }
    return m;
  }

  private static Map<String, Object> kafka(ArbiterConfig config) {
    if (config.outbox().bootstrapServers().isEmpty()) {
      return Map.of("status", "disabled", "mode", "events stay in the outbox (log-only)");
    }
    try (KafkaProbe probe = new KafkaProbe(config.outbox())) {
      KafkaProbe.Result r = probe.probe();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("status", r.reachable() ? "up" : "down");
      m.put("bootstrapServers", probe.target());
      m.put("topic", config.outbox().topic());
      m.put("latencyMs", r.ms());
      if (r.reachable()) {
        m.put("clusterId", r.clusterId());
        m.put("brokers", r.brokers());
      } else {
        m.put("error", r.error());
      }
      return m;
    }
  }

  /** A server's {@code /api/health}, when one answers at {@code base}. */
  private static Map<String, Object> server(String base) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("url", base);
    try (HttpClient client =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(URI.create(base + "/api/health"))
                  .timeout(Duration.ofSeconds(5))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      m.put("status", r.statusCode() == 200 ? "up" : "down");
      m.put("httpStatus", r.statusCode());
      try {
        m.put("health", JsonMapper.builder().build().readTree(r.body()));
      } catch (RuntimeException e) {
        m.put("body", r.body().length() > 2000 ? r.body().substring(0, 2000) : r.body());
      }
    } catch (IOException | IllegalArgumentException e) {
      m.put("status", "not running");
      m.put("error", String.valueOf(e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      m.put("status", "unknown");
    }
    return m;
  }
}
