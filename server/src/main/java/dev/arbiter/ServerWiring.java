package dev.arbiter;

import dev.arbiter.audit.AuditLog;
import dev.arbiter.audit.jdbc.JdbcAuditLog;
import dev.arbiter.budget.BudgetLedger;
import dev.arbiter.budget.BudgetReport;
import dev.arbiter.budget.FailoverBudgetLedger;
import dev.arbiter.budget.LocalBudgetLedger;
import dev.arbiter.budget.RedisBudgetLedger;
import dev.arbiter.budget.jdbc.JdbcBudgetCounterStore;
import dev.arbiter.catalog.CatalogChangeListener;
import dev.arbiter.catalog.CatalogDefinitions;
import dev.arbiter.catalog.CatalogRepository;
import dev.arbiter.catalog.CatalogService;
import dev.arbiter.catalog.CatalogSnapshots;
import dev.arbiter.catalog.jdbc.JdbcCatalogRepository;
import dev.arbiter.config.ArbiterConfig;
import dev.arbiter.contact.ContactHistoryMetrics;
import dev.arbiter.contact.ContactHistoryProperties;
import dev.arbiter.contact.ContactSharing;
import dev.arbiter.contact.FailoverContactHistoryStore;
import dev.arbiter.contact.InteractionReader;
import dev.arbiter.contact.LocalContactHistoryStore;
import dev.arbiter.contact.RedisContactHistoryStore;
import dev.arbiter.contact.jdbc.InteractionPartitions;
import dev.arbiter.contact.jdbc.JdbcInteractionReader;
import dev.arbiter.contact.jdbc.JdbcUnsharedInteractions;
import dev.arbiter.db.Database;
import dev.arbiter.db.DebouncedNotifier;
import dev.arbiter.decision.DecisionLog;
import dev.arbiter.decision.DecisionLogRepository;
import dev.arbiter.decision.DecisionMetrics;
import dev.arbiter.decision.DecisionTraces;
import dev.arbiter.decision.RecentDecisions;
import dev.arbiter.decision.RecommendService;
import dev.arbiter.decision.jdbc.JdbcDecisionLogRepository;
import dev.arbiter.decision.web.RecommendController;
import dev.arbiter.decision.web.RecommendServlet;
import dev.arbiter.ops.BudgetHealthCheck;
import dev.arbiter.ops.BuildVersion;
import dev.arbiter.ops.ContactHistoryHealthCheck;
import dev.arbiter.ops.DatabaseHealthCheck;
import dev.arbiter.ops.KafkaHealthCheck;
import dev.arbiter.ops.MetricsHttpServer;
import dev.arbiter.ops.OutboxHealthCheck;
import dev.arbiter.ops.RedisHealthCheck;
import dev.arbiter.outbox.KafkaProbe;
import dev.arbiter.outbox.OutboxEvents;
import dev.arbiter.outbox.OutboxMaintenance;
import dev.arbiter.outbox.OutboxMetrics;
import dev.arbiter.outbox.OutboxProperties;
import dev.arbiter.outbox.OutboxPublisher;
import dev.arbiter.outbox.OutboxStore;
import dev.arbiter.outbox.jdbc.JdbcOutboxStore;
import dev.arbiter.ratelimit.FailoverRateLimiter;
import dev.arbiter.ratelimit.LocalRateLimiter;
import dev.arbiter.ratelimit.RedisRateLimiter;
import dev.arbiter.ratelimit.RedisUrls;
import dev.arbiter.ratelimit.web.RateLimitFilter;
import dev.arbiter.respond.ChargeCounter;
import dev.arbiter.respond.OutcomeTypes;
import dev.arbiter.respond.RespondRepository;
import dev.arbiter.respond.RespondService;
import dev.arbiter.respond.jdbc.JdbcOutcomeTypeRepository;
import dev.arbiter.respond.jdbc.JdbcRespondRepository;
import dev.arbiter.scoring.HttpExternalScorer;
import dev.arbiter.scoring.ModelCircuitBreakers;
import dev.arbiter.scoring.ModelStateRepository;
import dev.arbiter.scoring.ModelStates;
import dev.arbiter.scoring.jdbc.JdbcModelStateRepository;
import dev.arbiter.security.ApiKeyHasher;
import dev.arbiter.security.ApiKeyRepository;
import dev.arbiter.security.ApiKeyRevocationListener;
import dev.arbiter.security.ApiKeyService;
import dev.arbiter.security.AuthFailureLimiter;
import dev.arbiter.security.Authenticator;
import dev.arbiter.security.ClientAddresses;
import dev.arbiter.security.CronSecret;
import dev.arbiter.security.Pepper;
import dev.arbiter.security.jdbc.JdbcApiKeyRepository;
import dev.arbiter.security.jwt.JwtProperties;
import dev.arbiter.security.jwt.JwtVerifier;
import dev.arbiter.security.web.AuthenticationFilter;
import dev.arbiter.security.web.CallerArgumentResolver;
import dev.arbiter.security.web.PermissionInterceptor;
import dev.arbiter.shared.BatchedDeletes;
import dev.arbiter.shared.ReconcileTimings;
import dev.arbiter.tenant.TenantRepository;
import dev.arbiter.tenant.TenantService;
import dev.arbiter.tenant.TenantSettingsService;
import dev.arbiter.tenant.jdbc.JdbcTenantRepository;
import dev.arbiter.tenant.jdbc.JdbcTenantSettingsRepository;
import dev.arbiter.web.ProblemWriter;
import dev.arbiter.web.RequestSizeFilter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Builds the server's object graph from the validated {@link ArbiterConfig}. Plain classes are
 * constructed here rather than annotated, so the CLI can build the same ones without Spring.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class ServerWiring implements WebMvcConfigurer {
  private static final Logger log = LoggerFactory.getLogger(ServerWiring.class);

  private final ObjectProvider<ProblemWriter> problems;

  ServerWiring(ObjectProvider<ProblemWriter> problems) {
    this.problems = problems;
  }

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  BuildVersion buildVersion() {
    return BuildVersion.load();
  }

  @Bean(destroyMethod = "close")
  Database database(ArbiterConfig config) {
    config.warnings().forEach(w -> log.warn("Configuration: {}", w));
    Database db = Database.open(config, "arbiter");
    log.info("Database: {}", db.description());
    if (config.migrateOnStart()) {
      try {
        int ran = db.migrations().deploy();
        log.info("Migrations applied: {}", ran);
      } catch (RuntimeException e) {
        db.close();
        throw e;
      }
    }
    return db;
  }

  @Bean
  DataSource dataSource(Database database) {
    return database.dataSource();
  }

  @Bean
  TenantRepository tenantRepository(JdbcClient jdbc) {
    return new JdbcTenantRepository(jdbc);
  }

  @Bean
  TenantService tenantService(TenantRepository tenants, Clock clock) {
    return new TenantService(tenants, clock);
  }

  @Bean
  ApiKeyRepository apiKeyRepository(JdbcClient jdbc) {
    return new JdbcApiKeyRepository(jdbc);
  }

  @Bean
  ApiKeyService apiKeyService(
      ApiKeyRepository keys, ArbiterConfig config, AuditLog audit, Clock clock) {
    return new ApiKeyService(keys, new ApiKeyHasher(Pepper.resolve(config)), audit, clock);
  }

  /** Revocations made on other nodes reach this node's key cache at once; a health check. */
  @Bean(destroyMethod = "close")
  ApiKeyRevocationListener apiKeyRevocationListener(
      Database database, ApiKeyService keys, Clock clock) {
    return new ApiKeyRevocationListener(database::connectDirect, keys, clock);
  }

  @Bean(destroyMethod = "close")
  JwtVerifier jwtVerifier(ArbiterConfig config, Clock clock) {
    ArbiterConfig.Jwt jwt = config.jwt();
    return new JwtVerifier(
        JwtProperties.of(
            jwt.secret().orElse(null),
            jwt.jwksUrl().orElse(null),
            jwt.issuer().orElse(null),
            jwt.audience().orElse(null)),
        clock);
  }

  @Bean
  Authenticator authenticator(ApiKeyService keys, TenantService tenants, JwtVerifier jwt) {
    return new Authenticator(keys, tenants, jwt);
  }

  /** Rate limits on the shared Redis when {@code REDIS_URL} is set; closes its Redis client. */
  @Bean(destroyMethod = "close")
  FailoverRateLimiter rateLimiter(ArbiterConfig config, MeterRegistry meters, Clock clock) {
    RedisRateLimiter redis =
        config
            .redisUrl()
            .map(url -> new RedisRateLimiter(RedisUrls.parse(url).uri(), config.redisTimeout()))
            .orElse(null);
    return new FailoverRateLimiter(redis, new LocalRateLimiter(clock), meters, clock);
  }

  /** Before authentication: a body over the limit is refused before anything reads it. */
  @Bean
  FilterRegistrationBean<RequestSizeFilter> requestSizeFilter(
      ArbiterConfig config, ProblemWriter problems) {
    FilterRegistrationBean<RequestSizeFilter> reg =
        new FilterRegistrationBean<>(
            new RequestSizeFilter(
                config.requestLimits().bytes(), config.requestLimits().catalogBytes(), problems));
    reg.addUrlPatterns("/*");
    reg.setOrder(Ordered.HIGHEST_PRECEDENCE + 5);
    return reg;
  }

  @Bean
  FilterRegistrationBean<RateLimitFilter> rateLimitFilter(
      FailoverRateLimiter limiter, ArbiterConfig config, ProblemWriter problems) {
    FilterRegistrationBean<RateLimitFilter> reg =
        new FilterRegistrationBean<>(new RateLimitFilter(limiter, config.rateLimit(), problems));
    reg.addUrlPatterns("/*");
    reg.setOrder(Ordered.HIGHEST_PRECEDENCE + 20);
    return reg;
  }

  @Bean
  RedisHealthCheck redisHealthCheck(FailoverRateLimiter limiter) {
    return new RedisHealthCheck(limiter);
  }

  @Bean
  AuthFailureLimiter authFailureLimiter(ArbiterConfig config, Clock clock, MeterRegistry meters) {
    return new AuthFailureLimiter(config.authFailures().limit(), clock, meters);
  }

  @Bean
  ClientAddresses clientAddresses(ArbiterConfig config) {
    return new ClientAddresses(config.authFailures().trustedProxies());
  }

  @Bean
  FilterRegistrationBean<AuthenticationFilter> authenticationFilter(
      Authenticator authenticator,
      AuthFailureLimiter failures,
      ClientAddresses clients,
      ProblemWriter problems) {
    FilterRegistrationBean<AuthenticationFilter> reg =
        new FilterRegistrationBean<>(
            new AuthenticationFilter(authenticator, failures, clients, problems));
    // Every path: the filter decides on the normalised path, not on a servlet URL pattern.
    reg.addUrlPatterns("/*");
    reg.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
    return reg;
  }

  @Bean
  AuditLog auditLog(JdbcClient jdbc, JsonMapper json) {
    return new JdbcAuditLog(jdbc, json);
  }

  @Bean
  CatalogRepository catalogRepository(JdbcClient jdbc, JsonMapper json) {
    return new JdbcCatalogRepository(jdbc, json);
  }

  @Bean
  CatalogDefinitions catalogDefinitions(ArbiterConfig config) {
    return new CatalogDefinitions(config.contactHistory(), config.externalModelUrls());
  }

  @Bean
  CatalogSnapshots catalogSnapshots(
      CatalogRepository catalog,
      CatalogDefinitions definitions,
      TransactionTemplate tx,
      Clock clock) {
    return new CatalogSnapshots(catalog, definitions, tx, clock);
  }

  @Bean(destroyMethod = "close")
  CatalogChangeListener catalogChangeListener(
      Database database, CatalogSnapshots snapshots, Clock clock) {
    return new CatalogChangeListener(database::connectDirect, snapshots, clock);
  }

  @Bean
  CatalogService catalogService(
      CatalogRepository catalog,
      AuditLog audit,
      CatalogDefinitions definitions,
      TransactionTemplate tx,
      Clock clock,
      CatalogSnapshots snapshots) {
    return new CatalogService(catalog, audit, definitions, tx, clock, snapshots);
  }

  @Bean
  TenantSettingsService tenantSettingsService(
      JdbcClient jdbc, JsonMapper json, AuditLog audit, TransactionTemplate tx, Clock clock) {
    return new TenantSettingsService(
        new JdbcTenantSettingsRepository(jdbc, json), audit, tx, clock);
  }

  @Bean(destroyMethod = "close")
  DecisionMetrics decisionMetrics(MeterRegistry meters, PrometheusMeterRegistry prometheus) {
    return new DecisionMetrics(meters, prometheus.getPrometheusRegistry());
  }

  /** Wakes outbox publishers (on any node) after events were committed; see DebouncedNotifier. */
  @Bean(destroyMethod = "close")
  DebouncedNotifier outboxNotifier(DataSource dataSource) {
    return new DebouncedNotifier(dataSource, OutboxPublisher.CHANNEL, Duration.ofMillis(5));
  }

  /**
   * What event writers call after a commit. Each NOTIFY is a transaction of its own, up to 200 a
   * second under load, which cost 15% of a decision's database time (bench/RESULTS.md), so one is
   * sent only where a publisher elsewhere needs it:
   *
   * <ul>
   *   <li>log-only mode (no Kafka): nothing; no publisher runs. A publisher tier beside log-only
   *       nodes (a misconfiguration: README, "Retention", whose pending rows they then keep) still
   *       finds their events by polling;
   *   <li>a publisher in this process: it is woken in memory. Publishers of other nodes find these
   *       events at their next poll, if this one has not published them by then;
   *   <li>an outbox-publisher tier ({@code OUTBOX_PUBLISHER_INPROCESS=false}): NOTIFY.
   * </ul>
   */
  private static Runnable outboxWake(
      ArbiterConfig config, DebouncedNotifier notifier, InProcessOutbox outbox) {
    if (!config.outbox().kafkaConfigured()) {
      return () -> {};
    }
    OutboxPublisher local = outbox.publisher();
    return local != null ? local::wake : notifier::poke;
  }

  @Bean
  DecisionLogRepository decisionLogRepository(
      JdbcClient jdbc,
      JdbcTemplate template,
      JsonMapper json,
      ArbiterConfig config,
      DebouncedNotifier outboxNotifier,
      InProcessOutbox outbox) {
    return new JdbcDecisionLogRepository(
        jdbc,
        template,
        json,
        config.documentStorage(),
        config.decisionEventsPerRow(),
        config.decisionEventEncoding(),
        outboxWake(config, outboxNotifier, outbox));
  }

  @Bean(destroyMethod = "close")
  DecisionLog decisionLog(
      DecisionLogRepository repository, MeterRegistry meters, ArbiterConfig config) {
    return new DecisionLog(
        repository,
        meters,
        10_000,
        500,
        config.decisionLogWriters(),
        config.decisionEventFullWait(),
        config.decisionLogLinger());
  }

  @Bean
  DecisionTraces decisionTraces(
      DecisionLogRepository repository, ArbiterConfig config, Clock clock) {
    return new DecisionTraces(repository, config.traceRetention(), clock);
  }

  @Bean
  TracePurger tracePurger(DecisionTraces traces) {
    return new TracePurger(traces);
  }

  /** Deletes traces past ARBITER_TRACE_RETENTION every ten minutes. */
  static final class TracePurger {
    private final DecisionTraces traces;

    TracePurger(DecisionTraces traces) {
      this.traces = traces;
    }

    @Scheduled(fixedDelay = 600_000, initialDelay = 60_000)
    void purge() {
      try {
        traces.purge();
      } catch (RuntimeException e) {
        log.warn("Could not delete old decision traces: {}", e.getMessage());
      }
    }
  }

  @Bean
  OutboxStore outboxStore(
      JdbcClient jdbc, JdbcTemplate template, TransactionTemplate tx, JsonMapper json) {
    return new JdbcOutboxStore(jdbc, template, tx, json);
  }

  @Bean
  OutboxMetrics outboxMetrics(MeterRegistry meters, ArbiterConfig config) {
    return new OutboxMetrics(meters, config.outbox().kafkaConfigured());
  }

  @Bean
  OutboxMaintenance outboxMaintenance(
      OutboxStore store, ArbiterConfig config, OutboxMetrics metrics, Clock clock) {
    return new OutboxMaintenance(store, config.outbox(), metrics, clock);
  }

  @Bean
  OutboxEvents outboxEvents(
      OutboxStore store, AuditLog audit, TransactionTemplate tx, Clock clock) {
    return new OutboxEvents(store, audit, tx, clock);
  }

  @Bean
  CronSecret cronSecret(ArbiterConfig config) {
    return new CronSecret(config.cronSecret());
  }

  /**
   * With Kafka configured: a health probe, and the publisher unless
   * OUTBOX_PUBLISHER_INPROCESS=false (an {@code arbiter outbox-publisher} tier publishes instead).
   * Closed before the database, so the publisher drains first.
   */
  @Bean(destroyMethod = "close")
  InProcessOutbox inProcessOutbox(
      ArbiterConfig config,
      Database database,
      OutboxStore store,
      OutboxMaintenance maintenance,
      OutboxMetrics metrics,
      Clock clock) {
    OutboxProperties props = config.outbox();
    if (!props.kafkaConfigured()) {
      log.info(
          "Outbox: KAFKA_BOOTSTRAP_SERVERS is not set; events stay readable at /api/v1/events");
      return new InProcessOutbox(null, null);
    }
    OutboxPublisher publisher = null;
    if (props.inProcess()) {
      publisher =
          OutboxPublisher.toKafka(
                  store, maintenance, props, metrics, new OutboxPublisher.Listener() {}, clock)
              .start(database::connectDirect);
      log.info("Outbox: publishing to Kafka topic {} in process", props.topic());
    } else {
      log.info("Outbox: OUTBOX_PUBLISHER_INPROCESS=false; an outbox-publisher tier publishes");
    }
    return new InProcessOutbox(publisher, new KafkaProbe(props));
  }

  /** This process's publisher and Kafka probe, each null when not used. */
  record InProcessOutbox(OutboxPublisher publisher, KafkaProbe probe) implements AutoCloseable {
    @Override
    public void close() {
      if (publisher != null) {
        publisher.close();
      }
      if (probe != null) {
        probe.close();
      }
    }
  }

  @Bean
  KafkaHealthCheck kafkaHealthCheck(InProcessOutbox outbox) {
    return new KafkaHealthCheck(outbox.probe());
  }

  @Bean
  OutboxHealthCheck outboxHealthCheck(
      ArbiterConfig config, OutboxMaintenance maintenance, InProcessOutbox outbox) {
    return new OutboxHealthCheck(config.outbox(), maintenance, outbox.publisher());
  }

  @Bean
  OutboxHousekeeper outboxHousekeeper(OutboxMaintenance maintenance, InProcessOutbox outbox) {
    return new OutboxHousekeeper(maintenance, outbox.publisher() != null);
  }

  /**
   * Deletes outbox rows past OUTBOX_RETENTION every ten minutes, and keeps the backlog gauges
   * current where no publisher runs (a publisher refreshes them itself).
   */
  static final class OutboxHousekeeper {
    private final OutboxMaintenance maintenance;
    private final boolean publisherRefreshes;

    OutboxHousekeeper(OutboxMaintenance maintenance, boolean publisherRefreshes) {
      this.maintenance = maintenance;
      this.publisherRefreshes = publisherRefreshes;
    }

    @Scheduled(fixedDelay = 600_000, initialDelay = 60_000)
    void purge() {
      try {
        maintenance.purge();
      } catch (RuntimeException e) {
        log.warn("Could not delete old outbox events: {}", e.getMessage());
      }
    }

    @Scheduled(fixedDelay = 10_000, initialDelay = 0)
    void refresh() {
      if (publisherRefreshes) {
        return;
      }
      try {
        maintenance.refreshStats();
      } catch (RuntimeException e) {
        log.debug("Could not read outbox counts: {}", e.getMessage());
      }
    }
  }

  @Bean
  RecommendService recommendService(
      CatalogSnapshots snapshots,
      DecisionMetrics metrics,
      DecisionLog decisionLog,
      TenantSettingsService settings,
      ModelStates modelStates,
      ModelCircuitBreakers breakers,
      BudgetLedger budgets,
      FailoverContactHistoryStore contactHistory,
      RecentDecisions recentDecisions,
      HttpExternalScorer externalScorer,
      Clock clock) {
    return new RecommendService(
        snapshots,
        metrics,
        decisionLog,
        settings,
        modelStates,
        breakers,
        budgets,
        contactHistory,
        recentDecisions,
        externalScorer,
        clock);
  }

  /** Calls external models' services, at the URLs ARBITER_EXTERNAL_MODEL_URLS allows. */
  @Bean
  HttpExternalScorer externalScorer(ArbiterConfig config, JsonMapper json, MeterRegistry meters) {
    return new HttpExternalScorer(
        config.externalModelUrls(), config.externalModelHeaders(), json, meters);
  }

  /** Decisions Respond checks outcomes against: this node's in memory, others' from the outbox. */
  @Bean
  RecentDecisions recentDecisions(
      DecisionLogRepository repository, Clock clock, ArbiterConfig config, MeterRegistry meters) {
    // Memory only bridges the moment until the decision log has written the event (and spares a
    // read for Responds that follow quickly); about 0.7 KB per decision. ARBITER_RECENT_DECISIONS.
    return new RecentDecisions(
        repository, clock, config.recentDecisions(), Duration.ofSeconds(2), meters);
  }

  @Bean
  OutcomeTypes outcomeTypes(JdbcClient jdbc, AuditLog audit, TransactionTemplate tx, Clock clock) {
    return new OutcomeTypes(new JdbcOutcomeTypeRepository(jdbc), audit, tx, clock);
  }

  @Bean
  RespondRepository respondRepository(
      JdbcClient jdbc,
      JsonMapper json,
      ArbiterConfig config,
      DebouncedNotifier outboxNotifier,
      InProcessOutbox outbox) {
    return new JdbcRespondRepository(
        jdbc, json, config.documentStorage(), outboxWake(config, outboxNotifier, outbox));
  }

  @Bean
  RespondService respondService(
      RespondRepository repository,
      RecentDecisions recentDecisions,
      OutcomeTypes outcomeTypes,
      CatalogSnapshots snapshots,
      ChargeCounter charges,
      ContactSharing contactSharing,
      Clock clock,
      MeterRegistry meters) {
    return new RespondService(
        repository,
        recentDecisions,
        outcomeTypes,
        snapshots,
        charges,
        contactSharing,
        clock,
        meters);
  }

  /**
   * Respond's interactions shared in every node's contact lists (Redis), and shared again when a
   * crash or an outage left them out; closed before the store, so that its last marks are written.
   */
  @Bean(initMethod = "start", destroyMethod = "close")
  ContactSharing contactSharing(
      JdbcClient jdbc,
      FailoverContactHistoryStore contactHistory,
      ArbiterConfig config,
      MeterRegistry meters) {
    return new ContactSharing(
        new JdbcUnsharedInteractions(jdbc),
        contactHistory,
        meters,
        ReconcileTimings.DEFAULTS.withReconcileInterval(config.contactReconcileInterval()));
  }

  /**
   * Respond's cost charges counted in their budgets, and recounted when a crash or the ledger left
   * them uncounted; closed before the ledger, so that its last marks are written.
   */
  @Bean(initMethod = "start", destroyMethod = "close")
  ChargeCounter chargeCounter(
      RespondRepository repository,
      BudgetLedger budgets,
      CatalogSnapshots snapshots,
      TenantSettingsService settings,
      ArbiterConfig config,
      MeterRegistry meters) {
    return new ChargeCounter(
        repository,
        budgets,
        snapshots,
        settings,
        meters,
        ReconcileTimings.DEFAULTS.withReconcileInterval(config.budgetChargeReconcileInterval()));
  }

  @Bean
  IdempotencyKeyPurger idempotencyKeyPurger(
      RespondRepository repository, ArbiterConfig config, Clock clock) {
    // A decision is found in memory for 30 min, else by its event, deleted after OUTBOX_RETENTION.
    return new IdempotencyKeyPurger(
        repository,
        config.idempotencyRetention(),
        config.outbox().retention().plus(Duration.ofHours(1)),
        clock);
  }

  /**
   * Deletes Respond's Idempotency-Keys past RESPOND_IDEMPOTENCY_RETENTION, and cost charges of
   * decisions that can no longer be responded to, every ten minutes.
   */
  static final class IdempotencyKeyPurger {
    private final RespondRepository repository;
    private final Duration retention;
    private final Duration chargeRetention;
    private final Clock clock;

    IdempotencyKeyPurger(
        RespondRepository repository, Duration retention, Duration chargeRetention, Clock clock) {
      this.repository = repository;
      this.retention = retention;
      this.chargeRetention = chargeRetention;
      this.clock = clock;
    }

    @Scheduled(fixedDelay = 600_000, initialDelay = 90_000)
    void purge() {
      try {
        Instant cutoff = clock.instant().minus(retention);
        BatchedDeletes.all(5_000, n -> repository.deleteKeysBefore(cutoff, n));
      } catch (RuntimeException e) {
        log.warn("Could not delete old idempotency keys: {}", e.getMessage());
      }
      try {
        Instant cutoff = clock.instant().minus(chargeRetention);
        BatchedDeletes.all(5_000, n -> repository.deleteChargesBefore(cutoff, n));
      } catch (RuntimeException e) {
        log.warn("Could not delete old cost charges: {}", e.getMessage());
      }
    }
  }

  /** Budget counters: Redis when configured, with a PostgreSQL write-behind; flushes on close. */
  @Bean(destroyMethod = "close")
  FailoverBudgetLedger budgetLedger(
      ArbiterConfig config, DataSource dataSource, MeterRegistry meters, Clock clock) {
    RedisBudgetLedger redis =
        config
            .redisUrl()
            .map(url -> new RedisBudgetLedger(RedisUrls.parse(url).uri(), config.redisTimeout()))
            .orElse(null);
    return new FailoverBudgetLedger(
        redis,
        new LocalBudgetLedger(),
        new JdbcBudgetCounterStore(dataSource, java.time.Duration.ofSeconds(1)),
        meters,
        clock,
        FailoverBudgetLedger.Settings.DEFAULTS.withOnOutage(config.budgetRedisOutage()));
  }

  /** GET /api/v1/budgets: the ledger's counters, and PostgreSQL's copy for days it forgot. */
  @Bean
  BudgetReport budgetReport(
      FailoverBudgetLedger ledger,
      DataSource dataSource,
      CatalogSnapshots snapshots,
      TenantSettingsService settings,
      Clock clock) {
    return new BudgetReport(
        ledger,
        new JdbcBudgetCounterStore(dataSource, java.time.Duration.ofSeconds(5)),
        snapshots,
        settings,
        clock);
  }

  @Bean
  BudgetHealthCheck budgetHealthCheck(FailoverBudgetLedger ledger) {
    return new BudgetHealthCheck(ledger);
  }

  /**
   * Contact histories: Redis when configured, else this node's memory; both load from PostgreSQL.
   */
  @Bean(destroyMethod = "close")
  FailoverContactHistoryStore contactHistory(
      ArbiterConfig config, JdbcClient jdbc, MeterRegistry meters, Clock clock) {
    ContactHistoryProperties props = config.contactHistory();
    ContactHistoryMetrics metrics = new ContactHistoryMetrics(meters);
    InteractionReader reader = new JdbcInteractionReader(jdbc);
    RedisContactHistoryStore redis =
        config
            .redisUrl()
            .map(
                url ->
                    new RedisContactHistoryStore(
                        null,
                        RedisUrls.parse(url).uri(),
                        config.redisTimeout(),
                        reader,
                        props,
                        metrics,
                        clock))
            .orElse(null);
    return new FailoverContactHistoryStore(
        redis, new LocalContactHistoryStore(reader, props, metrics, clock), metrics, meters, clock);
  }

  @Bean
  ContactHistoryHealthCheck contactHistoryHealthCheck(
      FailoverContactHistoryStore store, ContactSharing sharing) {
    return new ContactHistoryHealthCheck(store, sharing);
  }

  @Bean
  InteractionPartitionKeeper interactionPartitionKeeper(
      JdbcClient jdbc, Clock clock, ArbiterConfig config, MeterRegistry meters) {
    return new InteractionPartitionKeeper(
        new InteractionPartitions(jdbc, clock), config.interactionRetention(), meters, clock);
  }

  /**
   * Keeps monthly partitions of interactions created ahead, at start and daily; with
   * ARBITER_INTERACTION_RETENTION, also drops the months past it.
   */
  static final class InteractionPartitionKeeper {
    private final InteractionPartitions partitions;
    private final Optional<Duration> retention;
    private final Counter droppedPartitions;
    private final Counter purgedRows;
    private final Counter failures;
    private final Counter creationFailures;
    // when a retention run last completed with nothing left undone (epoch seconds); NaN: none yet
    private final AtomicLong lastSuccess = new AtomicLong(-1);
    // when the partitions ahead were last all there or created (epoch seconds); NaN: not yet
    private final AtomicLong lastCreated = new AtomicLong(-1);
    private final Clock clock;

    InteractionPartitionKeeper(
        InteractionPartitions partitions,
        Optional<Duration> retention,
        MeterRegistry meters,
        Clock clock) {
      this.partitions = partitions;
      this.retention = retention;
      this.clock = clock;
      lastSuccessGauge(
          "arbiter.interactions.retention.last.success",
          lastSuccess,
          "When the interaction retention last ran to completion (Unix seconds; NaN without"
              + " ARBITER_INTERACTION_RETENTION, or before it first did)",
          meters);
      this.droppedPartitions =
          Counter.builder("arbiter.interactions.partitions.dropped")
              .description("Monthly partitions of interactions dropped past the retention")
              .register(meters);
      this.purgedRows =
          Counter.builder("arbiter.interactions.purged")
              .description("Rows of the default interactions partition deleted past the retention")
              .register(meters);
      this.failures =
          Counter.builder("arbiter.interactions.retention.failures")
              .description("Partitions or runs the interaction retention could not complete")
              .register(meters);
      lastSuccessGauge(
          "arbiter.interactions.partitions.last.success",
          lastCreated,
          "When this node last found or created every monthly interactions partition from "
              + InteractionPartitions.MONTHS_BEHIND
              + " months back to "
              + InteractionPartitions.MONTHS_AHEAD
              + " ahead (Unix seconds; NaN before its first such run)",
          meters);
      this.creationFailures =
          Counter.builder("arbiter.interactions.partitions.failures")
              .description("Daily runs that could not create the monthly interactions partitions")
              .register(meters);
    }

    /** A gauge of the epoch second in {@code holder}; NaN while it holds a negative (not yet). */
    private static void lastSuccessGauge(
        String name, AtomicLong holder, String description, MeterRegistry meters) {
      Gauge.builder(name, holder, t -> t.get() < 0 ? Double.NaN : t.get())
          .description(description)
          .baseUnit("seconds")
          .register(meters);
    }

    @Scheduled(fixedDelay = 86_400_000, initialDelay = 0)
    void ensure() {
      try {
        partitions.ensure();
        lastCreated.set(clock.instant().getEpochSecond());
      } catch (RuntimeException e) {
        // Months without their partition go to the default one, whose rows only a row-by-row
        // delete removes; there are twelve months of margin, and the metrics tell before it ends.
        creationFailures.increment();
        log.warn(
            "Could not create interaction partitions (tried again tomorrow): {}", e.getMessage());
      }
      retention.ifPresent(this::purge);
    }

    void purge(Duration keep) {
      try {
        InteractionPartitions.Purged p = partitions.purge(keep);
        droppedPartitions.increment(p.dropped().size());
        purgedRows.increment(p.defaultRows());
        if (!p.dropped().isEmpty() || p.defaultRows() > 0) {
          log.info(
              "Interactions older than {}: dropped partitions {} and {} rows of the default one",
              keep,
              p.dropped(),
              p.defaultRows());
        }
        p.failed()
            .forEach(
                (name, why) -> {
                  failures.increment();
                  log.warn("Could not drop {} (tried again tomorrow): {}", name, why);
                });
        if (p.failed().isEmpty()) {
          lastSuccess.set(clock.instant().getEpochSecond());
        }
      } catch (RuntimeException e) {
        failures.increment();
        log.warn("Could not apply the interaction retention: {}", e.getMessage());
      }
    }
  }

  @Bean
  ModelStateRepository modelStateRepository(JdbcClient jdbc) {
    return new JdbcModelStateRepository(jdbc);
  }

  @Bean
  ModelStates modelStates(ModelStateRepository repository) {
    return new ModelStates(repository);
  }

  @Bean
  ModelCircuitBreakers modelCircuitBreakers(MeterRegistry meters) {
    return new ModelCircuitBreakers(meters);
  }

  @Bean
  DatabaseHealthCheck databaseHealthCheck(Database database) {
    return new DatabaseHealthCheck(database.pool(), database.description());
  }

  /** Every metric this process exports is named {@code arbiter_*}. */
  @Bean
  MeterFilter arbiterPrefix() {
    return MetricsHttpServer.arbiterPrefix();
  }

  @Bean
  ApiKeyUsageFlusher apiKeyUsageFlusher(ApiKeyService keys) {
    return new ApiKeyUsageFlusher(keys);
  }

  /** Writes API key last-use times once a minute and on shutdown. */
  static final class ApiKeyUsageFlusher implements AutoCloseable {
    private final ApiKeyService keys;

    ApiKeyUsageFlusher(ApiKeyService keys) {
      this.keys = keys;
    }

    @Scheduled(fixedDelay = 60_000, initialDelay = 60_000)
    void flush() {
      try {
        keys.flushUsage();
      } catch (RuntimeException e) {
        log.warn("Could not record API key usage: {}", e.getMessage());
      }
    }

    @Override
    public void close() {
      flush();
    }
  }

  /** Serves Recommend past Spring MVC's dispatcher (see {@link RecommendServlet}). */
  @Bean
  ServletRegistrationBean<RecommendServlet> recommendServlet(
      RecommendController recommend, ObjectProvider<HandlerExceptionResolver> resolvers) {
    ServletRegistrationBean<RecommendServlet> reg =
        new ServletRegistrationBean<>(
            new RecommendServlet(
                recommend,
                new PermissionInterceptor(problems.getObject()),
                () -> resolvers.orderedStream().toList()),
            RecommendController.PATH);
    reg.setName("recommend");
    reg.setLoadOnStartup(1);
    return reg;
  }

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    registry
        .addInterceptor(new PermissionInterceptor(problems.getObject()))
        .addPathPatterns("/api/v1/**");
  }

  @Override
  public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
    resolvers.add(new CallerArgumentResolver());
  }
}
