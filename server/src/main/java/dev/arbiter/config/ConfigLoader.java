package dev.arbiter.config;

import dev.arbiter.budget.BudgetOutagePolicy;
import dev.arbiter.config.ArbiterConfig.AuthFailures;
import dev.arbiter.config.ArbiterConfig.DatabaseTarget;
import dev.arbiter.config.ArbiterConfig.Jwt;
import dev.arbiter.config.ArbiterConfig.LogFormat;
import dev.arbiter.config.ArbiterConfig.RateLimits;
import dev.arbiter.config.ArbiterConfig.RateSpec;
import dev.arbiter.contact.ContactHistoryProperties;
import dev.arbiter.db.DatabaseUrls;
import dev.arbiter.db.DocumentStorage;
import dev.arbiter.db.EventEncoding;
import dev.arbiter.decision.jdbc.JdbcDecisionLogRepository;
import dev.arbiter.outbox.KafkaClients;
import dev.arbiter.outbox.OutboxProperties;
import dev.arbiter.ratelimit.RedisUrls;
import dev.arbiter.redis.FailFastRedis;
import dev.arbiter.scoring.ExternalModelHeaders;
import dev.arbiter.scoring.ExternalModelUrls;
import dev.arbiter.security.ClientAddresses;
import dev.arbiter.security.jwt.JwtProperties;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@link ArbiterConfig} from environment variables. Every variable is checked and every
 * problem collected before failing, so one start-up attempt names all of them.
 */
public final class ConfigLoader {
  /**
   * Decisions a node keeps in memory for Respond, unless {@code ARBITER_RECENT_DECISIONS} says
   * otherwise. Memory bridges the moment until the decision log has written a decision's event (a
   * few to a few hundred milliseconds) and spares a read to Responds that follow at once; a later
   * Respond reads the event by its primary key. Kept longer, every decision outlived a young
   * collection and was copied: with 50,000 at 15k decisions/s, a fifth of Recommend's CPU
   * (bench/RESULTS.md).
   */
  static final int DEFAULT_RECENT_DECISIONS = 5_000;

  /**
   * Decision-log writers, unless {@code ARBITER_DECISION_LOG_WRITERS} says otherwise. One writer's
   * database backend inserted about 15,000 decision events per second on a 2-core machine beside a
   * busy server, below the 29,000 decisions per second that server made, so the queue filled and
   * events were dropped; two write in parallel and overlap each other's commits (bench/RESULTS.md).
   */
  static final int DEFAULT_DECISION_LOG_WRITERS = 2;

  /**
   * How long a decision waits for room in a full event queue, unless {@code
   * ARBITER_DECISION_EVENT_FULL_WAIT} says otherwise. It was 500 ms until a benchmark at peak load
   * lost 7,436 events to one stall of the database (a checkpoint's flush on a virtual disk, about
   * 1.3 s): the queue holds half a second of peak decisions, so a wait of half a second more took
   * such a stall for an outage. Two seconds rides out a stall like that; a database that is down
   * still fails every insert at once, which drops without waiting.
   */
  static final Duration DEFAULT_DECISION_EVENT_FULL_WAIT = Duration.ofSeconds(2);

  private static final Set<String> LOG_LEVELS =
      Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

  /** Failed authentications per client address before its further attempts are refused. */
  static final RateSpec DEFAULT_AUTH_FAILURE_LIMIT = new RateSpec(20, Duration.ofMinutes(1));

  private static final Pattern RATE = Pattern.compile("^\\s*(\\d+)\\s*/\\s*(\\S+)\\s*$");
  private static final Pattern SHORT_DURATION = Pattern.compile("^(\\d+)(ms|s|m|h|d)$");

  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
  private static final Pattern HOST_PORT = Pattern.compile("^[^\\s:/,]+:(\\d{1,5})$");

  private static final String KAFKA_CLIENT_PREFIX = "KAFKA_CLIENT_";

  /** What a process needs configured beyond what every process does. */
  public enum Need {
    /**
     * It checks API keys ({@code serve}, {@code api-key}): with an external database, {@code
     * API_KEY_PEPPER} is required, as every node must hash keys alike.
     */
    API_KEYS,
    /** It cannot work without Kafka ({@code outbox-publisher}): {@code KAFKA_BOOTSTRAP_SERVERS}. */
    KAFKA
  }

  private final Map<String, String> env;
  private final Set<Need> needs;
  private final List<String> problems = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();

  private ConfigLoader(Map<String, String> env, Set<Need> needs) {
    this.env = env;
    this.needs = needs;
  }

  /**
   * Loads the configuration of a server ({@link Need#API_KEYS}) from {@code env}, or throws listing
   * every problem found.
   */
  public static ArbiterConfig load(Map<String, String> env) {
    return loadFor(env, Need.API_KEYS);
  }

  /**
   * Loads the configuration of a process that needs {@code needs} (and no more: a secret a process
   * does not use is not required of it, so the publisher tier and {@code migrate} run without the
   * API key pepper), or throws listing every problem found.
   */
  public static ArbiterConfig loadFor(Map<String, String> env, Need... needs) {
    Set<Need> set = java.util.EnumSet.noneOf(Need.class);
    set.addAll(List.of(needs));
    return new ConfigLoader(env, set).build();
  }

  /** What checking a catalog needs of the configuration: see {@link #catalogChecks}. */
  public record CatalogChecks(
      ContactHistoryProperties contactHistory, ExternalModelUrls externalModelUrls) {}

  /**
   * The contact history's settings and {@code ARBITER_EXTERNAL_MODEL_URLS} alone, for commands that
   * check a catalog and need nothing else of the configuration ({@code arbiter validate}).
   *
   * @throws ConfigException naming every problem of those variables at once
   */
  public static CatalogChecks catalogChecks(Map<String, String> env) {
    return only(env, l -> new CatalogChecks(l.contactHistory(), l.externalModelUrls()));
  }

  /** One part of the configuration, read alone; its problems thrown. */
  private static <T> T only(
      Map<String, String> env, java.util.function.Function<ConfigLoader, T> part) {
    ConfigLoader loader = new ConfigLoader(env, Set.of());
    T value = part.apply(loader);
    if (!loader.problems.isEmpty()) {
      throw new ConfigException(loader.problems);
    }
    return value;
  }

  /**
   * {@code ARBITER_EXTERNAL_MODEL_URLS}: comma-separated URL prefixes {@code external} models may
   * call ({@link ExternalModelUrls}); unset, none.
   */
  private ExternalModelUrls externalModelUrls() {
    try {
      return ExternalModelUrls.parse(string("ARBITER_EXTERNAL_MODEL_URLS").orElse(""));
    } catch (IllegalArgumentException e) {
      problems.add("ARBITER_EXTERNAL_MODEL_URLS: " + e.getMessage());
      return ExternalModelUrls.NONE;
    }
  }

  /**
   * {@code ARBITER_EXTERNAL_MODEL_HEADERS}: headers for the services of {@code external} models, by
   * URL prefix within {@code allowed} ({@link ExternalModelHeaders}); unset, none. A problem never
   * quotes a header's value (it is a credential).
   */
  private ExternalModelHeaders externalModelHeaders(ExternalModelUrls allowed) {
    try {
      return ExternalModelHeaders.parse(
          string("ARBITER_EXTERNAL_MODEL_HEADERS").orElse(""), allowed);
    } catch (IllegalArgumentException e) {
      problems.add("ARBITER_EXTERNAL_MODEL_HEADERS " + e.getMessage());
      return ExternalModelHeaders.NONE;
    }
  }

  /** The largest request body accepted but for a catalog import: 1 MiB. */
  public static final int DEFAULT_MAX_REQUEST_BYTES = 1 << 20;

  /** The largest catalog import accepted: 64 MiB. */
  public static final int DEFAULT_MAX_CATALOG_BYTES = 64 << 20;

  /**
   * {@code ARBITER_BIND_ADDRESS} must name this machine (any address, a loopback one, or one of its
   * interfaces'): otherwise the server could not listen, and would say its port was taken.
   */
  private void checkBindAddress(String bind) {
    try {
      java.net.InetAddress address = java.net.InetAddress.getByName(bind);
      if (!address.isAnyLocalAddress()
          && !address.isLoopbackAddress()
          && java.net.NetworkInterface.getByInetAddress(address) == null) {
        problems.add(
            "ARBITER_BIND_ADDRESS must be an address of this machine (0.0.0.0 for all of them),"
                + " but '"
                + bind
                + "' is "
                + address.getHostAddress());
      }
    } catch (java.io.IOException e) {
      problems.add(
          "ARBITER_BIND_ADDRESS must be an address of this machine (0.0.0.0 for all of them),"
              + " but '"
              + bind
              + "' cannot be resolved");
    }
  }

  private ArbiterConfig build() {
    int port = intValue("PORT", 8080, 0, 65535);
    String bind = string("ARBITER_BIND_ADDRESS").orElse("0.0.0.0");
    checkBindAddress(bind);
    Optional<DatabaseTarget> database =
        string("DATABASE_URL").flatMap(url -> parsed("DATABASE_URL", url, DatabaseUrls::parse));
    Path dataDir = Path.of(string("ARBITER_DATA_DIR").orElse("data")).toAbsolutePath().normalize();
    int poolMax = intValue("PG_POOL_MAX", 50, 1, 1000);
    Duration poolTimeout = Duration.ofMillis(intValue("PG_POOL_TIMEOUT_MS", 2000, 250, 60_000));
    boolean migrate = bool("ARBITER_MIGRATE_ON_START", true);
    Optional<String> redis = string("REDIS_URL");
    BudgetOutagePolicy budgetRedisOutage =
        choice(
            "ARBITER_BUDGET_REDIS_OUTAGE",
            BudgetOutagePolicy.COUNT_LOCALLY,
            BudgetOutagePolicy.REFUSE);
    redis.ifPresent(this::checkRedisUrl);
    Duration redisTimeout = duration("ARBITER_REDIS_TIMEOUT", DEFAULT_REDIS_TIMEOUT);
    if (redisTimeout.compareTo(MIN_REDIS_TIMEOUT) < 0
        || redisTimeout.compareTo(MAX_REDIS_TIMEOUT) > 0) {
      problems.add(
          "ARBITER_REDIS_TIMEOUT must be between "
              + MIN_REDIS_TIMEOUT
              + " and "
              + MAX_REDIS_TIMEOUT
              + ", got "
              + redisTimeout);
    }
    Duration chargeReconcileInterval =
        reconcileInterval("ARBITER_BUDGET_CHARGE_RECONCILE_INTERVAL");
    Duration contactReconcileInterval = reconcileInterval("ARBITER_CONTACT_RECONCILE_INTERVAL");
    ContactHistoryProperties contactHistory = contactHistory();
    ExternalModelUrls externalModelUrls = externalModelUrls();
    ExternalModelHeaders externalModelHeaders = externalModelHeaders(externalModelUrls);
    Optional<String> pepper = string("API_KEY_PEPPER");
    pepper.ifPresent(
        p -> {
          if (p.getBytes(StandardCharsets.UTF_8).length < 32) {
            problems.add("API_KEY_PEPPER must be at least 32 bytes (openssl rand -base64 32)");
          }
        });
    // whether DATABASE_URL parses or not: both problems are reported at once
    if (pepper.isEmpty() && needs.contains(Need.API_KEYS) && string("DATABASE_URL").isPresent()) {
      problems.add(
          "API_KEY_PEPPER is required when DATABASE_URL is set: every node must hash API keys"
              + " with the same pepper (openssl rand -base64 32)");
    }
    Jwt jwt = jwt();
    LogFormat logFormat = choice("LOG_FORMAT", LogFormat.JSON, LogFormat.TEXT);
    String logLevel = string("LOG_LEVEL").map(l -> l.toUpperCase(Locale.ROOT)).orElse("INFO");
    if (!LOG_LEVELS.contains(logLevel)) {
      problems.add("LOG_LEVEL must be one of " + LOG_LEVELS + ", got '" + logLevel + "'");
    }
    RateLimits rateLimits = rateLimits();
    AuthFailures authFailures = authFailures();
    boolean demo = bool("ARBITER_DEMO", false);
    Duration shutdown = duration("ARBITER_SHUTDOWN_TIMEOUT", Duration.ofSeconds(30));
    if (shutdown.compareTo(Duration.ofSeconds(1)) < 0
        || shutdown.compareTo(Duration.ofMinutes(10)) > 0) {
      // none would drop in-flight requests at once
      problems.add("ARBITER_SHUTDOWN_TIMEOUT must be between PT1S and PT10M, got " + shutdown);
    }
    ArbiterConfig.RequestLimits requestLimits =
        new ArbiterConfig.RequestLimits(
            intValue("ARBITER_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES, 1024, 1 << 30),
            intValue("ARBITER_MAX_CATALOG_BYTES", DEFAULT_MAX_CATALOG_BYTES, 1024, 1 << 30));
    ArbiterConfig.HealthDetails healthDetails =
        choice(
            "ARBITER_HEALTH_DETAILS",
            ArbiterConfig.HealthDetails.SAFE,
            ArbiterConfig.HealthDetails.FULL);
    ArbiterConfig.ReadyRequires readyRequires =
        choice(
            "ARBITER_READY_REQUIRES",
            ArbiterConfig.ReadyRequires.ALL,
            ArbiterConfig.ReadyRequires.DATABASE);
    Duration traceRetention = duration("ARBITER_TRACE_RETENTION", Duration.ofDays(7));
    if (traceRetention.compareTo(Duration.ofMinutes(1)) < 0) {
      problems.add("ARBITER_TRACE_RETENTION must be at least 1 minute, got " + traceRetention);
    }
    int recentDecisions =
        intValue("ARBITER_RECENT_DECISIONS", DEFAULT_RECENT_DECISIONS, 100, 10_000_000);
    int decisionLogWriters =
        intValue("ARBITER_DECISION_LOG_WRITERS", DEFAULT_DECISION_LOG_WRITERS, 1, 16);
    Duration decisionEventFullWait =
        duration("ARBITER_DECISION_EVENT_FULL_WAIT", DEFAULT_DECISION_EVENT_FULL_WAIT);
    if (decisionEventFullWait.isNegative()
        || decisionEventFullWait.compareTo(Duration.ofSeconds(10)) > 0) {
      problems.add(
          "ARBITER_DECISION_EVENT_FULL_WAIT must be between PT0S and PT10S, got "
              + decisionEventFullWait);
    }
    Duration decisionLogLinger = duration("ARBITER_DECISION_LOG_LINGER", Duration.ofMillis(20));
    if (decisionLogLinger.compareTo(Duration.ofSeconds(1)) > 0) {
      problems.add(
          "ARBITER_DECISION_LOG_LINGER must be between PT0S and PT1S, got " + decisionLogLinger);
    }
    DocumentStorage documentStorage =
        choice("ARBITER_DOCUMENT_STORAGE", DocumentStorage.COMPRESSED, DocumentStorage.JSONB);
    int decisionEventsPerRow =
        intValue(
            "ARBITER_DECISION_EVENTS_PER_ROW",
            JdbcDecisionLogRepository.DEFAULT_EVENTS_PER_ROW,
            1,
            MAX_DECISION_EVENTS_PER_ROW);
    EventEncoding decisionEventEncoding =
        choice("ARBITER_DECISION_EVENT_ENCODING", EventEncoding.COMPACT, EventEncoding.JSON);
    Duration idempotencyRetention = duration("RESPOND_IDEMPOTENCY_RETENTION", Duration.ofDays(7));
    if (idempotencyRetention.compareTo(Duration.ofHours(1)) < 0) {
      problems.add(
          "RESPOND_IDEMPOTENCY_RETENTION must be at least 1 hour (clients retry for longer), got "
              + idempotencyRetention);
    }
    OutboxProperties outbox = outbox();
    Optional<Duration> interactionRetention =
        interactionRetention(contactHistory.horizon(), idempotencyRetention, outbox.retention());
    OptionalInt publisherMetricsPort = publisherMetricsPort();
    Optional<String> cronSecret = string("CRON_SECRET");
    cronSecret.ifPresent(
        c -> {
          if (c.getBytes(StandardCharsets.UTF_8).length < 16) {
            problems.add("CRON_SECRET must be at least 16 bytes (openssl rand -base64 32)");
          }
        });
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new ArbiterConfig(
        port,
        bind,
        database,
        dataDir,
        poolMax,
        poolTimeout,
        migrate,
        redis,
        redisTimeout,
        budgetRedisOutage,
        chargeReconcileInterval,
        contactReconcileInterval,
        contactHistory,
        externalModelUrls,
        externalModelHeaders,
        pepper,
        jwt,
        logFormat,
        logLevel,
        rateLimits,
        authFailures,
        demo,
        shutdown,
        traceRetention,
        recentDecisions,
        decisionLogWriters,
        decisionEventFullWait,
        decisionLogLinger,
        documentStorage,
        decisionEventsPerRow,
        decisionEventEncoding,
        idempotencyRetention,
        interactionRetention,
        outbox,
        publisherMetricsPort,
        cronSecret,
        requestLimits,
        healthDetails,
        readyRequires,
        List.copyOf(warnings));
  }

  /** {@code ARBITER_REDIS_TIMEOUT} unless set. */
  public static final Duration DEFAULT_REDIS_TIMEOUT = FailFastRedis.DEFAULT_COMMAND_TIMEOUT;

  /**
   * The shortest {@code ARBITER_REDIS_TIMEOUT}: Lettuce expires commands on a timer that ticks
   * every 100 ms, so a shorter timeout would not be kept anyway.
   */
  static final Duration MIN_REDIS_TIMEOUT = Duration.ofMillis(100);

  /**
   * The longest {@code ARBITER_REDIS_TIMEOUT}: while Redis hangs, a request waits this long for
   * each store that has not fallen back yet (up to three), a probe's ping up to the connect timeout
   * and twice this, and shutdown waits 5 s for the probes.
   */
  static final Duration MAX_REDIS_TIMEOUT = Duration.ofSeconds(1);

  /**
   * The most {@code ARBITER_DECISION_EVENTS_PER_ROW}: larger rows leave their page for TOAST chunks
   * (V12) and make a lookup of one decision decompress more.
   */
  static final int MAX_DECISION_EVENTS_PER_ROW = 256;

  /**
   * {@code ARBITER_CONTACT_MAX_EVENTS} above which start-up warns: a decision of a flow with a
   * policy counting decisions costs about 1 µs of CPU per entry it reads (bench/RESULTS.md).
   */
  static final int LARGE_CONTACT_LISTS = 2_000;

  /**
   * {@code ARBITER_CONTACT_HORIZON} (how far back contact policies count, default 90 days; no
   * policy's window may be longer), {@code ARBITER_CONTACT_MAX_EVENTS} (the newest interactions,
   * and as many decision entries, kept per customer, default 500) and {@code
   * ARBITER_CONTACT_LOCAL_CUSTOMERS} (customers held in this node's memory without Redis, default
   * 100,000).
   */
  private ContactHistoryProperties contactHistory() {
    ContactHistoryProperties defaults = ContactHistoryProperties.DEFAULTS;
    Duration horizon = duration("ARBITER_CONTACT_HORIZON", defaults.horizon());
    if (horizon.compareTo(Duration.ofDays(1)) < 0
        || horizon.compareTo(ContactHistoryProperties.MAX_HORIZON) > 0) {
      problems.add(
          "ARBITER_CONTACT_HORIZON must be between P1D and P"
              + ContactHistoryProperties.MAX_HORIZON.toDays()
              + "D, got "
              + horizon);
      horizon = defaults.horizon();
    }
    int maxEvents =
        intValue(
            "ARBITER_CONTACT_MAX_EVENTS",
            defaults.maxEvents(),
            1,
            ContactHistoryProperties.MAX_EVENTS);
    if (maxEvents > LARGE_CONTACT_LISTS) {
      warnings.add(
          "ARBITER_CONTACT_MAX_EVENTS ("
              + maxEvents
              + ") is above "
              + LARGE_CONTACT_LISTS
              + ": while a policy counts decisions, every decision reads and decodes up to two and"
              + " a quarter times that many entries of the customer (in Redis one reply, within"
              + " ARBITER_REDIS_TIMEOUT), and each node's memory holds twice as many per customer"
              + " without Redis");
    }
    int localCustomers =
        intValue("ARBITER_CONTACT_LOCAL_CUSTOMERS", defaults.maxLocalCustomers(), 1, 100_000_000);
    return new ContactHistoryProperties(horizon, maxEvents, localCustomers);
  }

  /**
   * {@code ARBITER_INTERACTION_RETENTION}: {@code off} (the default: keep every interaction), else
   * at least the contact history's horizon plus a day (the interactions contact policies count, and
   * a day for clocks that differ between nodes: less would delete what policies still read) and
   * more than {@code idempotencyRetention} plus {@code outboxRetention} plus a day: a Respond retry
   * replays its answer from the interaction its key points to, and Respond accepts an outcome whose
   * decision's event is still kept, so neither must outlive the interaction.
   */
  private Optional<Duration> interactionRetention(
      Duration contactHorizon, Duration idempotencyRetention, Duration outboxRetention) {
    Optional<String> v = string("ARBITER_INTERACTION_RETENTION");
    if (v.isEmpty() || v.get().equalsIgnoreCase("off")) {
      return Optional.empty();
    }
    int before = problems.size();
    Duration d = duration("ARBITER_INTERACTION_RETENTION", Duration.ZERO);
    if (problems.size() > before) {
      return Optional.empty(); // malformed: already reported
    }
    Duration floor = idempotencyRetention.plus(outboxRetention).plusDays(1);
    Duration shortest = contactHorizon.plusDays(1);
    if (d.compareTo(shortest) < 0 || d.compareTo(floor) <= 0) {
      problems.add(
          "ARBITER_INTERACTION_RETENTION must be off, or at least ARBITER_CONTACT_HORIZON + 1 day ("
              + ContactHistoryProperties.days(shortest)
              + ", the contact history policies count) and more than"
              + " RESPOND_IDEMPOTENCY_RETENTION + OUTBOX_RETENTION + 1 day ("
              + floor
              + "), got "
              + v.get());
      return Optional.empty();
    }
    return Optional.of(d);
  }

  private OutboxProperties outbox() {
    Optional<String> servers = string("KAFKA_BOOTSTRAP_SERVERS");
    servers.ifPresent(
        s -> {
          for (String hp : s.split(",")) {
            Matcher m = HOST_PORT.matcher(hp.trim());
            if (!m.matches() || Integer.parseInt(m.group(1)) > 65535) {
              problems.add(
                  "KAFKA_BOOTSTRAP_SERVERS must be a comma-separated list of host:port, got '"
                      + hp.trim()
                      + "'");
            }
          }
        });
    if (servers.isEmpty() && needs.contains(Need.KAFKA)) {
      problems.add(
          "KAFKA_BOOTSTRAP_SERVERS is required by outbox-publisher (e.g. kafka-1:9092,kafka-2:9092)");
    }
    String topic = string("KAFKA_TOPIC").orElse(OutboxProperties.DEFAULT_TOPIC);
    if (!TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
      problems.add(
          "KAFKA_TOPIC must be 1-249 characters of letters, digits, '.', '_' or '-', got '"
              + topic
              + "'");
    }
    Duration poll = Duration.ofMillis(intValue("OUTBOX_POLL_INTERVAL_MS", 2000, 10, 3_600_000));
    int batch = intValue("OUTBOX_BATCH_SIZE", 500, 1, 10_000);
    int maxAttempts = intValue("OUTBOX_MAX_ATTEMPTS", 10, 1, 1000);
    Duration backoff = Duration.ofMillis(intValue("OUTBOX_RETRY_BACKOFF_MS", 1000, 1, 3_600_000));
    Duration backoffMax =
        Duration.ofMillis(intValue("OUTBOX_RETRY_BACKOFF_MAX_MS", 300_000, 1, 86_400_000));
    if (backoffMax.compareTo(backoff) < 0) {
      problems.add(
          "OUTBOX_RETRY_BACKOFF_MAX_MS ("
              + backoffMax.toMillis()
              + ") must not be less than OUTBOX_RETRY_BACKOFF_MS ("
              + backoff.toMillis()
              + ")");
    }
    Duration sendTimeout =
        Duration.ofMillis(intValue("OUTBOX_SEND_TIMEOUT_MS", 30_000, 1000, 600_000));
    Duration retention = duration("OUTBOX_RETENTION", Duration.ofDays(7));
    if (retention.compareTo(Duration.ofMinutes(1)) < 0) {
      problems.add("OUTBOX_RETENTION must be at least 1 minute, got " + retention);
    }
    boolean inProcess = bool("OUTBOX_PUBLISHER_INPROCESS", true);
    Path liveness =
        Path.of(string("OUTBOX_LIVENESS_FILE").orElse("/tmp/arbiter-outbox-publisher.alive"));
    Duration drain =
        Duration.ofMillis(intValue("OUTBOX_SHUTDOWN_DRAIN_TIMEOUT_MS", 15_000, 0, 600_000));
    Duration staleness = reaperStaleness();
    if (staleness.compareTo(sendTimeout.plus(REAPER_MARGIN)) < 0) {
      // A batch stays processing for up to the send timeout while the broker retries it; a reaper
      // that resets it sooner lets a second claim publish it again while the first send goes on.
      warnings.add(
          "OUTBOX_REAPER_STALENESS_SECONDS ("
              + staleness.toSeconds()
              + ") should be at least OUTBOX_SEND_TIMEOUT_MS + "
              + REAPER_MARGIN.toSeconds()
              + " s ("
              + sendTimeout.plus(REAPER_MARGIN).toSeconds()
              + " s): the reaper can reset events a publisher is still sending, and they are"
              + " published twice");
    }
    Duration maxPendingAge = duration("OUTBOX_MAX_PENDING_AGE", Duration.ofMinutes(1));
    if (maxPendingAge.isZero()) {
      problems.add("OUTBOX_MAX_PENDING_AGE must be positive");
    }
    OutboxProperties props =
        new OutboxProperties(
            servers,
            topic,
            poll,
            batch,
            maxAttempts,
            backoff,
            backoffMax,
            sendTimeout,
            retention,
            inProcess,
            liveness,
            drain,
            staleness,
            maxPendingAge,
            kafkaClientProperties());
    if (servers.isPresent()) {
      // Kafka checks its settings only when a client is built, at the first event to publish:
      // a bad value would start a node that then fails every batch until it gives up (exit 3).
      KafkaClients.problem(props)
          .ifPresent(p -> problems.add("KAFKA_CLIENT_* settings are not valid: " + p));
    }
    return props;
  }

  /**
   * {@code KAFKA_CLIENT_*} variables as Kafka client settings: the rest of the name in lower case
   * with {@code _} as {@code .} ({@code KAFKA_CLIENT_SASL_JAAS_CONFIG} → {@code sasl.jaas.config}).
   */
  private Map<String, String> kafkaClientProperties() {
    Map<String, String> props = new java.util.TreeMap<>();
    for (Map.Entry<String, String> e : env.entrySet()) {
      String name = e.getKey();
      if (!name.startsWith(KAFKA_CLIENT_PREFIX) || name.length() == KAFKA_CLIENT_PREFIX.length()) {
        continue;
      }
      String key =
          name.substring(KAFKA_CLIENT_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
      if (OutboxProperties.RESERVED_CLIENT_PROPERTIES.contains(key)) {
        problems.add(
            name
                + " would set Kafka's "
                + key
                + ", which Arbiter sets itself (its delivery guarantees rest on it)");
      } else {
        props.put(key, e.getValue());
      }
    }
    return props;
  }

  /** The port {@code outbox-publisher} serves {@code /metrics} on unless told otherwise. */
  public static final int DEFAULT_PUBLISHER_METRICS_PORT = 9464;

  /**
   * {@code OUTBOX_PUBLISHER_METRICS_PORT}: where {@code outbox-publisher} serves {@code /metrics};
   * {@code off} for nowhere, 0 for a free port (logged).
   */
  private OptionalInt publisherMetricsPort() {
    Optional<String> v = string("OUTBOX_PUBLISHER_METRICS_PORT");
    if (v.isEmpty()) {
      return OptionalInt.of(DEFAULT_PUBLISHER_METRICS_PORT);
    }
    if (v.get().equalsIgnoreCase("off")) {
      return OptionalInt.empty();
    }
    try {
      int port = Integer.parseInt(v.get());
      if (port >= 0 && port <= 65535) {
        return OptionalInt.of(port);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    problems.add(
        "OUTBOX_PUBLISHER_METRICS_PORT must be a port between 0 and 65535 (0 for any free one) or"
            + " off, got '"
            + v.get()
            + "'");
    return OptionalInt.empty();
  }

  /** What the reaper's staleness must exceed the send timeout by: claim and marking included. */
  static final Duration REAPER_MARGIN = Duration.ofSeconds(10);

  /**
   * {@code OUTBOX_REAPER_STALENESS_SECONDS}: an invalid value falls back to the default with a
   * warning rather than stopping the process, since the reaper's only risk is resetting late.
   */
  private Duration reaperStaleness() {
    Optional<String> v = string("OUTBOX_REAPER_STALENESS_SECONDS");
    if (v.isEmpty()) {
      return OutboxProperties.DEFAULT_REAPER_STALENESS;
    }
    try {
      long n = Long.parseLong(v.get());
      if (n >= 1 && n <= 86_400) {
        return Duration.ofSeconds(n);
      }
    } catch (NumberFormatException e) {
      // falls through to the warning
    }
    warnings.add(
        "OUTBOX_REAPER_STALENESS_SECONDS must be a whole number of seconds between 1 and 86400,"
            + " got '"
            + v.get()
            + "'; using "
            + OutboxProperties.DEFAULT_REAPER_STALENESS.toSeconds());
    return OutboxProperties.DEFAULT_REAPER_STALENESS;
  }

  private Jwt jwt() {
    Optional<String> secret = string("JWT_SECRET");
    Optional<String> jwksRaw = string("JWKS_URL");
    List<String> jwtProblems = JwtProperties.validate(secret.orElse(null), jwksRaw.orElse(null));
    problems.addAll(jwtProblems);
    Optional<URI> jwks =
        jwtProblems.stream().anyMatch(p -> p.startsWith("JWKS_URL"))
            ? Optional.empty()
            : jwksRaw.map(URI::create);
    return new Jwt(secret, jwks, string("JWT_ISSUER"), string("JWT_AUDIENCE"));
  }

  private RateLimits rateLimits() {
    boolean enabled = bool("RATE_LIMIT_ENABLED", true);
    RateSpec def =
        string("RATE_LIMIT")
            .flatMap(s -> parsed("RATE_LIMIT", s, ConfigLoader::rate))
            .orElse(new RateSpec(1000, Duration.ofSeconds(1)));
    Map<String, RateSpec> overrides = new LinkedHashMap<>();
    string("RATE_LIMIT_TENANTS")
        .ifPresent(
            s -> {
              for (String entry : s.split(",")) {
                String trimmed = entry.trim();
                if (trimmed.isEmpty()) {
                  continue;
                }
                int eq = trimmed.indexOf('=');
                if (eq <= 0) {
                  problems.add(
                      "RATE_LIMIT_TENANTS entry '"
                          + trimmed
                          + "' must look like tenant=permits/window, e.g. acme=200/1s");
                  continue;
                }
                parsed("RATE_LIMIT_TENANTS", trimmed.substring(eq + 1), ConfigLoader::rate)
                    .ifPresent(r -> overrides.put(trimmed.substring(0, eq).trim(), r));
              }
            });
    return new RateLimits(enabled, def, Map.copyOf(overrides));
  }

  private AuthFailures authFailures() {
    Optional<RateSpec> limit =
        string("ARBITER_AUTH_FAILURE_LIMIT")
            .map(
                s ->
                    s.equalsIgnoreCase("off")
                        ? Optional.<RateSpec>empty()
                        : parsed("ARBITER_AUTH_FAILURE_LIMIT", s, ConfigLoader::rate))
            .orElse(Optional.of(DEFAULT_AUTH_FAILURE_LIMIT));
    List<String> proxies = new ArrayList<>();
    string("ARBITER_TRUSTED_PROXIES")
        .ifPresent(
            s -> {
              for (String entry : s.split(",")) {
                String trimmed = entry.trim();
                if (!trimmed.isEmpty()) {
                  parsed("ARBITER_TRUSTED_PROXIES", trimmed, ClientAddresses::checkProxy)
                      .ifPresent(proxies::add);
                }
              }
            });
    return new AuthFailures(limit, List.copyOf(proxies));
  }

  /** Parses {@code 1000/1s}, {@code 60/1m}, {@code 10/PT1S}. */
  static RateSpec rate(String s) {
    Matcher m = RATE.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("must look like permits/window, e.g. 1000/1s or 60/1m");
    }
    long permits = Long.parseLong(m.group(1));
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be at least 1");
    }
    Duration window = parseDuration(m.group(2));
    if (window.isZero() || window.isNegative() || window.compareTo(Duration.ofDays(1)) > 0) {
      throw new IllegalArgumentException("window must be between 1ms and 1d");
    }
    return new RateSpec(permits, window);
  }

  /** Accepts ISO-8601 ({@code PT30S}) or short forms ({@code 500ms}, {@code 30s}, {@code 5m}). */
  static Duration parseDuration(String s) {
    Matcher m = SHORT_DURATION.matcher(s.trim().toLowerCase(Locale.ROOT));
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    try {
      return Duration.parse(s.trim());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "'" + s + "' is not a duration (use 30s, 5m, 500ms or ISO-8601 like PT30S)");
    }
  }

  private void checkRedisUrl(String url) {
    RedisUrls.parse(url).problems().forEach(p -> problems.add("REDIS_URL is invalid: " + p));
  }

  private Optional<String> string(String name) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(v.trim());
  }

  private <T> Optional<T> parsed(String name, String value, Function<String, T> parser) {
    try {
      return Optional.of(parser.apply(value));
    } catch (RuntimeException e) {
      problems.add(name + " is invalid: " + e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * One of {@code def} and {@code others}, named in any case by the variable {@code name}; {@code
   * def} when unset. Anything else is a problem naming the choices ("must be json or text").
   */
  @SafeVarargs
  private <E extends Enum<E>> E choice(String name, E def, E... others) {
    Optional<String> value = string(name);
    if (value.isEmpty()) {
      return def;
    }
    List<E> choices = new ArrayList<>();
    choices.add(def);
    choices.addAll(List.of(others));
    for (E e : choices) {
      if (e.name().equalsIgnoreCase(value.get())) {
        return e;
      }
    }
    problems.add(
        name
            + " must be "
            + String.join(
                " or ", choices.stream().map(e -> e.name().toLowerCase(Locale.ROOT)).toList())
            + ", got '"
            + value.get()
            + "'");
    return def;
  }

  private int intValue(String name, int def, int min, int max) {
    Optional<String> v = string(name);
    if (v.isEmpty()) {
      return def;
    }
    try {
      int n = Integer.parseInt(v.get());
      if (n < min || n > max) {
        problems.add(name + " must be between " + min + " and " + max + ", got " + n);
        return def;
      }
      return n;
    } catch (NumberFormatException e) {
      problems.add(name + " must be an integer, got '" + v.get() + "'");
      return def;
    }
  }

  private boolean bool(String name, boolean def) {
    Optional<String> v = string(name);
    if (v.isEmpty()) {
      return def;
    }
    return switch (v.get().toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes", "on" -> true;
      case "false", "0", "no", "off" -> false;
      default -> {
        problems.add(name + " must be true or false, got '" + v.get() + "'");
        yield def;
      }
    };
  }

  /** A reconciler's interval: 30 s unless set, from 1 s to a day. */
  private Duration reconcileInterval(String name) {
    Duration interval = duration(name, Duration.ofSeconds(30));
    if (interval.compareTo(Duration.ofSeconds(1)) < 0
        || interval.compareTo(Duration.ofDays(1)) > 0) {
      problems.add(name + " must be between PT1S and P1D, got " + interval);
    }
    return interval;
  }

  private Duration duration(String name, Duration def) {
    return string(name)
        .flatMap(
            v ->
                parsed(
                    name,
                    v,
                    s -> {
                      Duration d = parseDuration(s);
                      if (d.isNegative()) {
                        throw new IllegalArgumentException("must not be negative");
                      }
                      return d;
                    }))
        .orElse(def);
  }
}
