package dev.arbiter.config;

import dev.arbiter.budget.BudgetOutagePolicy;
import dev.arbiter.contact.ContactHistoryProperties;
import dev.arbiter.db.DocumentStorage;
import dev.arbiter.db.EventEncoding;
import dev.arbiter.outbox.OutboxProperties;
import dev.arbiter.scoring.ExternalModelUrls;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The validated configuration of one Arbiter process. Built only by {@link ConfigLoader}; every
 * field is already checked, so consumers never re-validate.
 *
 * @param port HTTP port ({@code PORT}); 0 picks a free port
 * @param bindAddress interface to listen on ({@code ARBITER_BIND_ADDRESS})
 * @param database explicit database ({@code DATABASE_URL}); empty means embedded PostgreSQL
 * @param dataDir where embedded PostgreSQL and generated secrets live ({@code ARBITER_DATA_DIR})
 * @param poolMax maximum pool size ({@code PG_POOL_MAX})
 * @param poolTimeout how long a request waits for a pooled connection ({@code PG_POOL_TIMEOUT_MS})
 * @param migrateOnStart run Flyway migrations when serving ({@code ARBITER_MIGRATE_ON_START})
 * @param redisUrl shared Redis ({@code REDIS_URL}); empty means in-process fallbacks
 * @param redisTimeout the longest a call waits for a Redis command before the node answers without
 *     Redis ({@code ARBITER_REDIS_TIMEOUT}): rate limits, budgets and contact history
 * @param budgetRedisOutage what budgeted offers get while the configured Redis is down ({@code
 *     ARBITER_BUDGET_REDIS_OUTAGE})
 * @param budgetChargeReconcileInterval how often each node counts cost charges left uncounted in
 *     their budgets ({@code ARBITER_BUDGET_CHARGE_RECONCILE_INTERVAL})
 * @param contactReconcileInterval how often each node adds interactions left out of the shared
 *     contact lists ({@code ARBITER_CONTACT_RECONCILE_INTERVAL})
 * @param contactHistory how far back contact policies can count and how much of it is kept ({@code
 *     ARBITER_CONTACT_HORIZON}, {@code ARBITER_CONTACT_MAX_EVENTS}, {@code
 *     ARBITER_CONTACT_LOCAL_CUSTOMERS})
 * @param externalModelUrls the URL prefixes {@code external} models may call ({@code
 *     ARBITER_EXTERNAL_MODEL_URLS}; none unless set)
 * @param externalModelHeaders headers (credentials) sent to those services, by URL prefix ({@code
 *     ARBITER_EXTERNAL_MODEL_HEADERS}; none unless set)
 * @param apiKeyPepper HMAC key for API key hashes ({@code API_KEY_PEPPER}); empty means generated
 *     under {@code dataDir}
 * @param jwt JWT verification settings
 * @param logFormat {@code json} or {@code text} ({@code LOG_FORMAT})
 * @param logLevel root log level ({@code LOG_LEVEL})
 * @param rateLimit per tenant-and-credential limits
 * @param authFailures the limit on failed authentications per client address ({@code
 *     ARBITER_AUTH_FAILURE_LIMIT}) and the proxies whose {@code X-Forwarded-For} is believed
 *     ({@code ARBITER_TRUSTED_PROXIES})
 * @param demo seed the demo tenant and print an API key ({@code ARBITER_DEMO})
 * @param shutdownTimeout how long in-flight work may take after SIGTERM ({@code
 *     ARBITER_SHUTDOWN_TIMEOUT})
 * @param traceRetention how long decision traces are kept ({@code ARBITER_TRACE_RETENTION})
 * @param recentDecisions decisions a node keeps in memory for Respond ({@code
 *     ARBITER_RECENT_DECISIONS}); older ones are read from their stored event
 * @param decisionLogWriters threads (each with a database connection) writing decision events and
 *     traces ({@code ARBITER_DECISION_LOG_WRITERS})
 * @param decisionEventFullWait how long a decision waits for room in a full event queue while the
 *     database keeps up, before its event is dropped ({@code ARBITER_DECISION_EVENT_FULL_WAIT})
 * @param decisionLogLinger how long a decision-log writer that finds less than a batch queued
 *     gathers more before it inserts ({@code ARBITER_DECISION_LOG_LINGER})
 * @param documentStorage how outbox events and decision traces are written ({@code
 *     ARBITER_DOCUMENT_STORAGE})
 * @param decisionEventsPerRow the most decision events one outbox row holds ({@code
 *     ARBITER_DECISION_EVENTS_PER_ROW}); 1 for a row per event, as nodes before V12 wrote
 * @param decisionEventEncoding how decision events are written into a row of several ({@code
 *     ARBITER_DECISION_EVENT_ENCODING})
 * @param idempotencyRetention how long Respond remembers an Idempotency-Key ({@code
 *     RESPOND_IDEMPOTENCY_RETENTION}): a retry after that records the outcome again
 * @param interactionRetention how long interactions are kept ({@code
 *     ARBITER_INTERACTION_RETENTION}); empty for {@code off}, the default: kept for good
 * @param outbox the outbox publisher and Kafka ({@code KAFKA_*}, {@code OUTBOX_*})
 * @param publisherMetricsPort where {@code outbox-publisher} serves {@code /metrics} and {@code
 *     /health/live} ({@code OUTBOX_PUBLISHER_METRICS_PORT}, default 9464; empty for {@code off})
 * @param cronSecret the shared secret of {@code /api/v1/cron/*} ({@code CRON_SECRET}); empty means
 *     every cron call is refused
 * @param requestLimits the largest request bodies accepted ({@code ARBITER_MAX_REQUEST_BYTES},
 *     {@code ARBITER_MAX_CATALOG_BYTES})
 * @param healthDetails what the anonymous health probes show of each check ({@code
 *     ARBITER_HEALTH_DETAILS})
 * @param readyRequires what {@code /api/ready} needs up ({@code ARBITER_READY_REQUIRES})
 * @param warnings settings that were ignored in favour of their defaults; log them at start
 */
public record ArbiterConfig(
    int port,
    String bindAddress,
    Optional<DatabaseTarget> database,
    Path dataDir,
    int poolMax,
    Duration poolTimeout,
    boolean migrateOnStart,
    Optional<String> redisUrl,
    Duration redisTimeout,
    BudgetOutagePolicy budgetRedisOutage,
    Duration budgetChargeReconcileInterval,
    Duration contactReconcileInterval,
    ContactHistoryProperties contactHistory,
    ExternalModelUrls externalModelUrls,
    dev.arbiter.scoring.ExternalModelHeaders externalModelHeaders,
    Optional<String> apiKeyPepper,
    Jwt jwt,
    LogFormat logFormat,
    String logLevel,
    RateLimits rateLimit,
    AuthFailures authFailures,
    boolean demo,
    Duration shutdownTimeout,
    Duration traceRetention,
    int recentDecisions,
    int decisionLogWriters,
    Duration decisionEventFullWait,
    Duration decisionLogLinger,
    DocumentStorage documentStorage,
    int decisionEventsPerRow,
    EventEncoding decisionEventEncoding,
    Duration idempotencyRetention,
    Optional<Duration> interactionRetention,
    OutboxProperties outbox,
    OptionalInt publisherMetricsPort,
    Optional<String> cronSecret,
    RequestLimits requestLimits,
    HealthDetails healthDetails,
    ReadyRequires readyRequires,
    List<String> warnings) {

  /**
   * The largest request body accepted, in bytes: {@code catalogBytes} for a catalog import, {@code
   * bytes} for every other request.
   */
  public record RequestLimits(long bytes, long catalogBytes) {}

  /** A JDBC target with credentials taken out of the URL. */
  public record DatabaseTarget(String jdbcUrl, String user, String password) {
    @Override
    public String toString() {
      return "DatabaseTarget[" + jdbcUrl + ", user=" + user + "]";
    }
  }

  /** JWT settings; both verifiers may be absent, in which case only API keys authenticate. */
  public record Jwt(
      Optional<String> secret,
      Optional<URI> jwksUrl,
      Optional<String> issuer,
      Optional<String> audience) {
    public boolean enabled() {
      return secret.isPresent() || jwksUrl.isPresent();
    }

    @Override
    public String toString() {
      return "Jwt[secret=" + (secret.isPresent() ? "***" : "unset") + ", jwksUrl=" + jwksUrl + "]";
    }
  }

  /**
   * Rate limits: a default for every tenant and credential, and per-tenant overrides.
   *
   * @param enabled {@code RATE_LIMIT_ENABLED}
   * @param defaultLimit {@code RATE_LIMIT}, e.g. {@code 1000/1s}
   * @param tenantOverrides {@code RATE_LIMIT_TENANTS}, e.g. {@code acme=200/1s,beta=50/1m}
   */
  public record RateLimits(
      boolean enabled, RateSpec defaultLimit, Map<String, RateSpec> tenantOverrides) {
    public RateSpec forTenant(String tenantKey) {
      return tenantOverrides.getOrDefault(tenantKey, defaultLimit);
    }
  }

  /**
   * Failed authentications allowed per client address.
   *
   * @param limit failures per window per address ({@code ARBITER_AUTH_FAILURE_LIMIT}, default
   *     {@code 20/1m}); empty when {@code off}
   * @param trustedProxies addresses and CIDR blocks of the reverse proxies in front of the server
   *     ({@code ARBITER_TRUSTED_PROXIES}): only their {@code X-Forwarded-For} names the client
   */
  public record AuthFailures(Optional<RateSpec> limit, List<String> trustedProxies) {}

  /** {@code permits} requests per {@code window}. */
  public record RateSpec(long permits, Duration window) {
    @Override
    public String toString() {
      return permits + "/" + window;
    }
  }

  /** Log line format on stdout. */
  public enum LogFormat {
    JSON,
    TEXT
  }

  /** What {@code /api/health} and {@code /api/ready} show of each check to anyone who asks. */
  public enum HealthDetails {
    /**
     * Statuses, latencies, counts and modes; not where dependencies are, their error texts, nor
     * which tenants' models have an open breaker (the probes need no credential, and may be
     * reachable from outside).
     */
    SAFE,
    /** Everything each check reports, for a server only operators can reach. */
    FULL
  }

  /** What {@code /api/ready} needs up for the node to take traffic. */
  public enum ReadyRequires {
    /** Every configured dependency, as DESIGN has it: the database, Redis, Kafka, the listeners. */
    ALL,
    /**
     * The database alone: a Redis or Kafka outage leaves every node serving on its fallbacks
     * (in-process limits and counters, events kept in the outbox), instead of taking every node out
     * of the load balancer at once.
     */
    DATABASE
  }

  @Override
  public String toString() {
    return "ArbiterConfig[port="
        + port
        + ", database="
        + database.map(Object::toString).orElse("embedded")
        + ", dataDir="
        + dataDir
        + ", poolMax="
        + poolMax
        + ", redis="
        + (redisUrl.isPresent() ? "configured (command timeout " + redisTimeout + ")" : "disabled")
        + ", "
        + jwt
        + ", rateLimit="
        + rateLimit
        + ", kafka="
        + outbox.bootstrapServers().orElse("disabled")
        + ", externalModelUrls="
        + (externalModelUrls.isEmpty() ? "none" : externalModelUrls)
        + ", externalModelHeaders="
        + externalModelHeaders.size()
        + " prefix(es), redacted"
        + ", cronSecret="
        + (cronSecret.isPresent() ? "***" : "unset")
        + "]";
  }
}
