package dev.arbiter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.arbiter.contact.ContactHistoryProperties;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTests {

  @Test
  void shouldApplyDefaultsForAnEmptyEnvironment() {
    ArbiterConfig c = ConfigLoader.load(Map.of());
    assertThat(c.port()).isEqualTo(8080);
    assertThat(c.database()).isEmpty();
    assertThat(c.poolMax()).isEqualTo(50);
    assertThat(c.poolTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.migrateOnStart()).isTrue();
    assertThat(c.redisUrl()).isEmpty();
    assertThat(c.logFormat()).isEqualTo(ArbiterConfig.LogFormat.JSON);
    assertThat(c.rateLimit().enabled()).isTrue();
    assertThat(c.rateLimit().defaultLimit().permits()).isEqualTo(1000);
    assertThat(c.dataDir().isAbsolute()).isTrue();
    assertThat(c.recentDecisions()).isEqualTo(5_000);
    assertThat(c.decisionLogWriters()).isEqualTo(2);
    assertThat(c.decisionEventFullWait()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.decisionLogLinger()).isEqualTo(Duration.ofMillis(20));
  }

  @Test
  void shouldLimitFailedAuthenticationsPerAddressUnlessTurnedOff() {
    ArbiterConfig.AuthFailures defaults = ConfigLoader.load(Map.of()).authFailures();
    assertThat(defaults.limit()).contains(new ArbiterConfig.RateSpec(20, Duration.ofMinutes(1)));
    assertThat(defaults.trustedProxies()).isEmpty();
    assertThat(
            ConfigLoader.load(Map.of("ARBITER_AUTH_FAILURE_LIMIT", "5/10s")).authFailures().limit())
        .contains(new ArbiterConfig.RateSpec(5, Duration.ofSeconds(10)));
    assertThat(
            ConfigLoader.load(Map.of("ARBITER_AUTH_FAILURE_LIMIT", "OFF")).authFailures().limit())
        .isEmpty();
    for (String bad : new String[] {"0/1m", "20", "20/forever", "no"}) {
      assertThat(
              problemsAbout(
                  Map.of("ARBITER_AUTH_FAILURE_LIMIT", bad), "ARBITER_AUTH_FAILURE_LIMIT"))
          .as(bad)
          .isNotEmpty();
    }
  }

  @Test
  void shouldTakeTrustedProxiesAsAddressesAndCidrBlocksOnly() {
    assertThat(
            ConfigLoader.load(
                    Map.of("ARBITER_TRUSTED_PROXIES", " 10.0.0.0/8, 192.168.1.7 ,fd00::/8,::1,"))
                .authFailures()
                .trustedProxies())
        .containsExactly("10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1");
    for (String bad :
        new String[] {"proxy.internal", "10.0.0.0/33", "300.1.1.1", "10.0.0", "fd00::/129", "*"}) {
      assertThat(problemsAbout(Map.of("ARBITER_TRUSTED_PROXIES", bad), "ARBITER_TRUSTED_PROXIES"))
          .as(bad)
          .isNotEmpty();
    }
  }

  @Test
  void shouldTakeTheDecisionLogLingerUpToOneSecond() {
    assertThat(ConfigLoader.load(Map.of("ARBITER_DECISION_LOG_LINGER", "0s")).decisionLogLinger())
        .isZero();
    assertThat(ConfigLoader.load(Map.of("ARBITER_DECISION_LOG_LINGER", "7ms")).decisionLogLinger())
        .isEqualTo(Duration.ofMillis(7));
    for (String bad : new String[] {"PT2S", "-PT0.001S", "briefly"}) {
      assertThat(
              problemsAbout(
                  Map.of("ARBITER_DECISION_LOG_LINGER", bad), "ARBITER_DECISION_LOG_LINGER"))
          .isNotEmpty();
    }
  }

  @Test
  void shouldTakeDecisionEventsPerRowFromOneTo256() {
    assertThat(ConfigLoader.load(Map.of()).decisionEventsPerRow()).isEqualTo(64);
    assertThat(
            ConfigLoader.load(Map.of("ARBITER_DECISION_EVENTS_PER_ROW", "1"))
                .decisionEventsPerRow())
        .isEqualTo(1);
    for (String bad : new String[] {"0", "257", "many"}) {
      assertThat(
              problemsAbout(
                  Map.of("ARBITER_DECISION_EVENTS_PER_ROW", bad),
                  "ARBITER_DECISION_EVENTS_PER_ROW"))
          .isNotEmpty();
    }
  }

  @Test
  void shouldKeepInteractionsForGoodUnlessALongEnoughRetentionIsSet() {
    assertThat(ConfigLoader.load(Map.of()).interactionRetention()).isEmpty();
    assertThat(retention("off")).isEmpty();
    assertThat(retention("P400D")).contains(Duration.ofDays(400));
    assertThat(retention("91d")).contains(Duration.ofDays(91));
    // the contact history policies count, and a day for clocks that differ
    assertThat(Duration.ofDays(1))
        .isGreaterThanOrEqualTo(dev.arbiter.contact.InteractionReader.FUTURE_MARGIN);
    for (String bad : new String[] {"90d", "P30D", "-P400D", "forever"}) {
      assertOneProblem(Map.of("ARBITER_INTERACTION_RETENTION", bad));
    }
    // the floor follows the configured horizon
    assertOneProblem(
        Map.of("ARBITER_INTERACTION_RETENTION", "P200D", "ARBITER_CONTACT_HORIZON", "P200D"));
    assertThat(
            ConfigLoader.load(
                    Map.of(
                        "ARBITER_INTERACTION_RETENTION",
                        "P201D",
                        "ARBITER_CONTACT_HORIZON",
                        "P200D"))
                .interactionRetention())
        .contains(Duration.ofDays(201));
    assertThat(
            ConfigLoader.load(
                    Map.of(
                        "ARBITER_INTERACTION_RETENTION", "P31D", "ARBITER_CONTACT_HORIZON", "P30D"))
                .interactionRetention())
        .contains(Duration.ofDays(31));
    // a Respond key or a decision event kept longer than the interactions would be a replay of
    // nothing, or an outcome stored already past the retention
    assertOneProblem(
        Map.of("ARBITER_INTERACTION_RETENTION", "P100D", "RESPOND_IDEMPOTENCY_RETENTION", "P99D"));
    assertOneProblem(
        Map.of(
            "ARBITER_INTERACTION_RETENTION",
            "P100D",
            "RESPOND_IDEMPOTENCY_RETENTION",
            "P50D",
            "OUTBOX_RETENTION",
            "P49D"));
    assertThat(
            ConfigLoader.load(
                    Map.of(
                        "ARBITER_INTERACTION_RETENTION",
                        "P100D",
                        "RESPOND_IDEMPOTENCY_RETENTION",
                        "P50D",
                        "OUTBOX_RETENTION",
                        "P48D"))
                .interactionRetention())
        .contains(Duration.ofDays(100));
  }

  @Test
  void shouldTakeTheContactHistorysHorizonAndCapsFromTheEnvironment() {
    ContactHistoryProperties defaults = ConfigLoader.load(Map.of()).contactHistory();
    assertThat(defaults).isEqualTo(ContactHistoryProperties.DEFAULTS);
    assertThat(defaults.horizon()).isEqualTo(Duration.ofDays(90));
    assertThat(defaults.maxEvents()).isEqualTo(500);
    assertThat(defaults.maxLocalCustomers()).isEqualTo(100_000);
    assertThat(
            ConfigLoader.load(
                    Map.of(
                        "ARBITER_CONTACT_HORIZON",
                        "P400D",
                        "ARBITER_CONTACT_MAX_EVENTS",
                        "2000",
                        "ARBITER_CONTACT_LOCAL_CUSTOMERS",
                        "5000"))
                .contactHistory())
        .isEqualTo(new ContactHistoryProperties(Duration.ofDays(400), 2000, 5000));
    assertThat(
            ConfigLoader.load(Map.of("ARBITER_CONTACT_HORIZON", "1d")).contactHistory().horizon())
        .isEqualTo(Duration.ofDays(1));
    for (String bad : new String[] {"PT23H", "P3661D", "-P10D", "a while"}) {
      assertThat(problemsAbout(Map.of("ARBITER_CONTACT_HORIZON", bad), "ARBITER_CONTACT_HORIZON"))
          .as(bad)
          .hasSize(1);
    }
    assertThat(ConfigLoader.load(Map.of("ARBITER_CONTACT_MAX_EVENTS", "2000")).warnings())
        .isEmpty();
    assertThat(ConfigLoader.load(Map.of("ARBITER_CONTACT_MAX_EVENTS", "2001")).warnings())
        .singleElement()
        .asString()
        .startsWith("ARBITER_CONTACT_MAX_EVENTS (2001) is above 2000");
    for (String bad : new String[] {"0", "10001", "lots"}) {
      assertThat(
              problemsAbout(
                  Map.of("ARBITER_CONTACT_MAX_EVENTS", bad), "ARBITER_CONTACT_MAX_EVENTS"))
          .as(bad)
          .hasSize(1);
    }
    for (String bad : new String[] {"0", "100000001", "all"}) {
      assertThat(
              problemsAbout(
                  Map.of("ARBITER_CONTACT_LOCAL_CUSTOMERS", bad),
                  "ARBITER_CONTACT_LOCAL_CUSTOMERS"))
          .as(bad)
          .hasSize(1);
    }
  }

  private static java.util.Optional<Duration> retention(String value) {
    return ConfigLoader.load(Map.of("ARBITER_INTERACTION_RETENTION", value)).interactionRetention();
  }

  private static void assertOneProblem(Map<String, String> env) {
    assertThat(problemsAbout(env, "ARBITER_INTERACTION_RETENTION")).hasSize(1);
  }

  /** The problems naming {@code variable} that loading {@code env} is refused with. */
  private static List<String> problemsAbout(Map<String, String> env, String variable) {
    ConfigException refused =
        catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(env));
    assertThat(refused).as("refused: %s", env).isNotNull();
    return refused.problems().stream().filter(p -> p.startsWith(variable)).toList();
  }

  /** Kafka's own checks of the client settings run at start, not at the first event. */
  @Test
  void shouldRefuseKafkaClientSettingsKafkaWouldRefuse() {
    Map<String, String> base = Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
    for (Map.Entry<String, String> bad :
        Map.of(
                "KAFKA_CLIENT_RETRIES", "0",
                "KAFKA_CLIENT_SECURITY_PROTOCOL", "BOGUS",
                "KAFKA_CLIENT_METADATA_MAX_AGE_MS", "soon")
            .entrySet()) {
      Map<String, String> env = new HashMap<>(base);
      env.put(bad.getKey(), bad.getValue());
      assertThat(problemsAbout(env, "KAFKA_CLIENT_* settings are not valid"))
          .as(bad.toString())
          .hasSize(1);
    }
    Map<String, String> good = new HashMap<>(base);
    good.put("KAFKA_CLIENT_SECURITY_PROTOCOL", "SSL");
    good.put("KAFKA_CLIENT_COMPRESSION_TYPE", "zstd");
    assertThat(ConfigLoader.load(good).outbox().clientProperties())
        .containsEntry("security.protocol", "SSL");
  }

  /** arbiter validate's part of the configuration reports both variables' problems at once. */
  @Test
  void shouldReportEveryProblemOfWhatCheckingACatalogNeeds() {
    ConfigException refused =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                ConfigLoader.catalogChecks(
                    Map.of(
                        "ARBITER_CONTACT_MAX_EVENTS", "many",
                        "ARBITER_EXTERNAL_MODEL_URLS", "ftp://models.internal/")));
    assertThat(refused).isNotNull();
    assertThat(String.join("\n", refused.problems()))
        .contains("ARBITER_CONTACT_MAX_EVENTS")
        .contains("ARBITER_EXTERNAL_MODEL_URLS");
    ConfigLoader.CatalogChecks defaults = ConfigLoader.catalogChecks(Map.of());
    assertThat(defaults.contactHistory()).isNotNull();
    assertThat(defaults.externalModelUrls()).isNotNull();
  }

  @Test
  void shouldRequireABindAddressOfThisMachine() {
    for (String good : List.of("0.0.0.0", "127.0.0.1", "::1", "localhost")) {
      assertThat(ConfigLoader.load(Map.of("ARBITER_BIND_ADDRESS", good)).bindAddress())
          .isEqualTo(good);
    }
    // TEST-NET-3 (RFC 5737) is no interface's; an .invalid name never resolves (RFC 6761)
    for (String bad : List.of("203.0.113.7", "no-such-host.invalid")) {
      assertThat(problemsAbout(Map.of("ARBITER_BIND_ADDRESS", bad), "ARBITER_BIND_ADDRESS"))
          .as(bad)
          .hasSize(1);
    }
  }

  @Test
  void shouldTakeRequestLimitsAndAShutdownTimeoutInTheirRanges() {
    ArbiterConfig defaults = ConfigLoader.load(Map.of());
    assertThat(defaults.requestLimits().bytes()).isEqualTo(1 << 20);
    assertThat(defaults.requestLimits().catalogBytes()).isEqualTo(64 << 20);
    ArbiterConfig given =
        ConfigLoader.load(
            Map.of("ARBITER_MAX_REQUEST_BYTES", "2048", "ARBITER_MAX_CATALOG_BYTES", "4096"));
    assertThat(given.requestLimits()).isEqualTo(new ArbiterConfig.RequestLimits(2048, 4096));
    for (String variable : List.of("ARBITER_MAX_REQUEST_BYTES", "ARBITER_MAX_CATALOG_BYTES")) {
      for (String bad : List.of("10", "2147483647", "big")) {
        assertThat(problemsAbout(Map.of(variable, bad), variable)).as(bad).hasSize(1);
      }
    }
    for (String bad : List.of("0s", "PT0.5S", "PT11M")) {
      assertThat(problemsAbout(Map.of("ARBITER_SHUTDOWN_TIMEOUT", bad), "ARBITER_SHUTDOWN_TIMEOUT"))
          .as(bad)
          .hasSize(1);
    }
  }

  @Test
  void shouldTakeTheDecisionEventFullWaitUpToTenSeconds() {
    assertThat(
            ConfigLoader.load(Map.of("ARBITER_DECISION_EVENT_FULL_WAIT", "PT0S"))
                .decisionEventFullWait())
        .isZero();
    assertThat(
            ConfigLoader.load(Map.of("ARBITER_DECISION_EVENT_FULL_WAIT", "750ms"))
                .decisionEventFullWait())
        .isEqualTo(Duration.ofMillis(750));
    for (String bad : new String[] {"PT11S", "-PT1S", "soon"}) {
      assertThat(
              problemsAbout(
                  Map.of("ARBITER_DECISION_EVENT_FULL_WAIT", bad),
                  "ARBITER_DECISION_EVENT_FULL_WAIT"))
          .isNotEmpty();
    }
  }

  @Test
  void shouldStoreDocumentsCompressedUnlessToldToWriteJsonb() {
    assertThat(ConfigLoader.load(Map.of()).documentStorage())
        .isEqualTo(dev.arbiter.db.DocumentStorage.COMPRESSED);
    assertThat(ConfigLoader.load(Map.of("ARBITER_DOCUMENT_STORAGE", "JSONB")).documentStorage())
        .isEqualTo(dev.arbiter.db.DocumentStorage.JSONB);
    assertThat(
            ConfigLoader.load(Map.of("ARBITER_DOCUMENT_STORAGE", "compressed")).documentStorage())
        .isEqualTo(dev.arbiter.db.DocumentStorage.COMPRESSED);
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("ARBITER_DOCUMENT_STORAGE", "json")))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .contains("ARBITER_DOCUMENT_STORAGE must be compressed or jsonb, got 'json'"));
  }

  @Test
  void shouldWriteDecisionEventsCompactUnlessToldToWriteJson() {
    assertThat(ConfigLoader.load(Map.of()).decisionEventEncoding())
        .isEqualTo(dev.arbiter.db.EventEncoding.COMPACT);
    assertThat(
            ConfigLoader.load(Map.of("ARBITER_DECISION_EVENT_ENCODING", "JSON"))
                .decisionEventEncoding())
        .isEqualTo(dev.arbiter.db.EventEncoding.JSON);
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("ARBITER_DECISION_EVENT_ENCODING", "smile")))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .contains(
                        "ARBITER_DECISION_EVENT_ENCODING must be compact or json, got 'smile'"));
  }

  @Test
  void shouldCountBudgetsLocallyDuringARedisOutageUnlessToldToRefuse() {
    assertThat(ConfigLoader.load(Map.of()).budgetRedisOutage())
        .isEqualTo(dev.arbiter.budget.BudgetOutagePolicy.COUNT_LOCALLY);
    assertThat(
            ConfigLoader.load(Map.of("ARBITER_BUDGET_REDIS_OUTAGE", "refuse")).budgetRedisOutage())
        .isEqualTo(dev.arbiter.budget.BudgetOutagePolicy.REFUSE);
    assertThat(
            ConfigLoader.load(Map.of("ARBITER_BUDGET_REDIS_OUTAGE", "COUNT_LOCALLY"))
                .budgetRedisOutage())
        .isEqualTo(dev.arbiter.budget.BudgetOutagePolicy.COUNT_LOCALLY);
    assertThat(problemsAbout(Map.of("ARBITER_BUDGET_REDIS_OUTAGE", "fail"), "ARBITER_BUDGET"))
        .containsExactly("ARBITER_BUDGET_REDIS_OUTAGE must be count_locally or refuse, got 'fail'");
  }

  @Test
  void shouldShareInteractionsLeftOutOfContactListsEveryThirtySecondsUnlessToldOtherwise() {
    assertThat(ConfigLoader.load(Map.of()).contactReconcileInterval())
        .isEqualTo(java.time.Duration.ofSeconds(30));
    assertThat(
            ConfigLoader.load(Map.of("ARBITER_CONTACT_RECONCILE_INTERVAL", "2m"))
                .contactReconcileInterval())
        .isEqualTo(java.time.Duration.ofMinutes(2));
    for (String bad : new String[] {"0s", "25h"}) {
      assertThat(
              problemsAbout(Map.of("ARBITER_CONTACT_RECONCILE_INTERVAL", bad), "ARBITER_CONTACT"))
          .singleElement()
          .asString()
          .startsWith("ARBITER_CONTACT_RECONCILE_INTERVAL must be between PT1S and P1D");
    }
  }

  @Test
  void shouldAllowExternalModelsNoUrlUnlessListed() {
    assertThat(ConfigLoader.load(Map.of()).externalModelUrls().isEmpty()).isTrue();
    assertThat(ConfigLoader.load(Map.of()).toString()).contains("externalModelUrls=none");
    var listed =
        ConfigLoader.load(
            Map.of("ARBITER_EXTERNAL_MODEL_URLS", "https://scoring.internal/v1/,http://10.0.0.7/"));
    assertThat(listed.externalModelUrls().allows(java.net.URI.create("http://10.0.0.7/score")))
        .isTrue();
    assertThat(listed.toString())
        .contains("externalModelUrls=[https://scoring.internal:443/v1/, http://10.0.0.7:80/]");
    assertThat(
            problemsAbout(
                Map.of("ARBITER_EXTERNAL_MODEL_URLS", "https://ok.internal/,scoring.internal"),
                "ARBITER_EXTERNAL_MODEL_URLS"))
        .singleElement()
        .asString()
        .startsWith("ARBITER_EXTERNAL_MODEL_URLS: 'scoring.internal' is not an absolute http");
  }

  @Test
  void shouldWaitAQuarterOfASecondForRedisUnlessToldOtherwise() {
    assertThat(ConfigLoader.load(Map.of()).redisTimeout())
        .isEqualTo(java.time.Duration.ofMillis(250));
    assertThat(ConfigLoader.load(Map.of("ARBITER_REDIS_TIMEOUT", "500ms")).redisTimeout())
        .isEqualTo(java.time.Duration.ofMillis(500));
    assertThat(ConfigLoader.load(Map.of("ARBITER_REDIS_TIMEOUT", "PT0.1S")).redisTimeout())
        .isEqualTo(java.time.Duration.ofMillis(100));
    assertThat(ConfigLoader.load(Map.of("ARBITER_REDIS_TIMEOUT", "1s")).redisTimeout())
        .isEqualTo(java.time.Duration.ofSeconds(1));
    for (String bad : new String[] {"99ms", "0s", "1001ms", "10s"}) {
      assertThat(problemsAbout(Map.of("ARBITER_REDIS_TIMEOUT", bad), "ARBITER_REDIS_TIMEOUT"))
          .as(bad)
          .singleElement()
          .asString()
          .isEqualTo(
              "ARBITER_REDIS_TIMEOUT must be between PT0.1S and PT1S, got "
                  + ConfigLoader.parseDuration(bad));
    }
    // start-up prints it beside the (password-free) Redis status
    assertThat(
            ConfigLoader.load(
                    Map.of(
                        "REDIS_URL", "redis://:hunter2@redis:6379", "ARBITER_REDIS_TIMEOUT", "1s"))
                .toString())
        .contains("redis=configured (command timeout PT1S)")
        .doesNotContain("hunter2");
    assertThat(problemsAbout(Map.of("ARBITER_REDIS_TIMEOUT", "soon"), "ARBITER_REDIS_TIMEOUT"))
        .singleElement()
        .asString()
        .startsWith("ARBITER_REDIS_TIMEOUT");
  }

  @Test
  void shouldReconcileUncountedCostChargesEveryThirtySecondsUnlessToldOtherwise() {
    assertThat(ConfigLoader.load(Map.of()).budgetChargeReconcileInterval())
        .isEqualTo(java.time.Duration.ofSeconds(30));
    assertThat(
            ConfigLoader.load(Map.of("ARBITER_BUDGET_CHARGE_RECONCILE_INTERVAL", "5m"))
                .budgetChargeReconcileInterval())
        .isEqualTo(java.time.Duration.ofMinutes(5));
    for (String bad : new String[] {"500ms", "2d"}) {
      assertThat(
              problemsAbout(
                  Map.of("ARBITER_BUDGET_CHARGE_RECONCILE_INTERVAL", bad), "ARBITER_BUDGET_CHARGE"))
          .singleElement()
          .asString()
          .startsWith("ARBITER_BUDGET_CHARGE_RECONCILE_INTERVAL must be between PT1S and P1D");
    }
  }

  @Test
  void shouldTakeTheDecisionLogWritersWithinBounds() {
    assertThat(ConfigLoader.load(Map.of("ARBITER_DECISION_LOG_WRITERS", "4")).decisionLogWriters())
        .isEqualTo(4);
    for (String bad : new String[] {"0", "two", "17"}) {
      assertThatThrownBy(() -> ConfigLoader.load(Map.of("ARBITER_DECISION_LOG_WRITERS", bad)))
          .isInstanceOfSatisfying(
              ConfigException.class,
              e ->
                  assertThat(e.problems())
                      .anyMatch(p -> p.startsWith("ARBITER_DECISION_LOG_WRITERS")));
    }
  }

  @Test
  void shouldTakeTheRecentDecisionsKeptInMemoryWithinBounds() {
    assertThat(ConfigLoader.load(Map.of("ARBITER_RECENT_DECISIONS", "50000")).recentDecisions())
        .isEqualTo(50_000);
    for (String bad : new String[] {"99", "many", "20000000"}) {
      assertThatThrownBy(() -> ConfigLoader.load(Map.of("ARBITER_RECENT_DECISIONS", bad)))
          .isInstanceOfSatisfying(
              ConfigException.class,
              e ->
                  assertThat(e.problems()).anyMatch(p -> p.startsWith("ARBITER_RECENT_DECISIONS")));
    }
  }

  @Test
  void shouldReportEveryProblemAtOnce() {
    Map<String, String> env = new HashMap<>();
    env.put("PORT", "99999");
    env.put("PG_POOL_MAX", "lots");
    env.put("DATABASE_URL", "mysql://nope");
    env.put("REDIS_URL", "http://localhost");
    env.put("LOG_FORMAT", "xml");
    env.put("LOG_LEVEL", "LOUD");
    env.put("JWT_SECRET", "short");
    env.put("JWKS_URL", "ftp://idp/keys");
    env.put("RATE_LIMIT", "fast");
    env.put("RATE_LIMIT_TENANTS", "acme");
    env.put("ARBITER_MIGRATE_ON_START", "maybe");
    env.put("ARBITER_SHUTDOWN_TIMEOUT", "soon");
    assertThatThrownBy(() -> ConfigLoader.load(env))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(String.join("\n", e.problems()))
                    .contains("PORT must be between 0 and 65535")
                    .contains("PG_POOL_MAX must be an integer")
                    .contains("DATABASE_URL is invalid")
                    // a malformed DATABASE_URL does not hide that the pepper it needs is missing
                    .contains("API_KEY_PEPPER is required when DATABASE_URL is set")
                    .contains("REDIS_URL is invalid")
                    .contains("LOG_FORMAT must be json or text")
                    .contains("LOG_LEVEL must be one of")
                    .contains("JWT_SECRET must be at least 32 bytes")
                    .contains("JWKS_URL must be an absolute http(s) URL")
                    .contains("RATE_LIMIT is invalid")
                    .contains("RATE_LIMIT_TENANTS entry 'acme'")
                    .contains("ARBITER_MIGRATE_ON_START must be true or false")
                    .contains("ARBITER_SHUTDOWN_TIMEOUT is invalid"));
  }

  @Test
  void shouldPassKafkaClientSettingsThroughButNeverTheOnesDeliveryRestsOn() {
    ArbiterConfig c =
        ConfigLoader.load(
            Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9093",
                "KAFKA_CLIENT_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_CLIENT_SASL_MECHANISM", "SCRAM-SHA-512",
                "KAFKA_CLIENT_SASL_JAAS_CONFIG",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"arbiter\" password=\"s3cr3t\";"));
    assertThat(c.outbox().clientProperties())
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
        .containsKey("sasl.jaas.config");
    assertThat(c.outbox().toString()).contains("sasl.jaas.config").doesNotContain("s3cr3t");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Map.of(
                        "KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9093",
                        "KAFKA_CLIENT_ACKS", "1",
                        "KAFKA_CLIENT_ENABLE_IDEMPOTENCE", "false")))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .anyMatch(p -> p.startsWith("KAFKA_CLIENT_ACKS would set Kafka's acks"))
                    .anyMatch(p -> p.startsWith("KAFKA_CLIENT_ENABLE_IDEMPOTENCE")));
  }

  @Test
  void shouldRequireAPepperWithAnExternalDatabase() {
    assertThatThrownBy(
            () -> ConfigLoader.load(Map.of("DATABASE_URL", "postgresql://u:p@db:5432/arbiter")))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems()).anyMatch(p -> p.startsWith("API_KEY_PEPPER is required")));
  }

  @Test
  void shouldParseRateLimitsAndTenantOverrides() {
    ArbiterConfig c =
        ConfigLoader.load(
            Map.of("RATE_LIMIT", "60/1m", "RATE_LIMIT_TENANTS", "acme=5/1s, beta=10/PT2S"));
    assertThat(c.rateLimit().defaultLimit())
        .isEqualTo(new ArbiterConfig.RateSpec(60, Duration.ofMinutes(1)));
    assertThat(c.rateLimit().forTenant("acme"))
        .isEqualTo(new ArbiterConfig.RateSpec(5, Duration.ofSeconds(1)));
    assertThat(c.rateLimit().forTenant("beta"))
        .isEqualTo(new ArbiterConfig.RateSpec(10, Duration.ofSeconds(2)));
    assertThat(c.rateLimit().forTenant("other")).isEqualTo(c.rateLimit().defaultLimit());
  }

  @Test
  void shouldNeverPrintSecretsInToString() {
    ArbiterConfig c =
        ConfigLoader.load(
            Map.of(
                "DATABASE_URL", "postgresql://u:hunter2@db:5432/arbiter",
                "API_KEY_PEPPER", "p".repeat(40),
                "JWT_SECRET", "s".repeat(40)));
    assertThat(c.toString())
        .doesNotContain("hunter2")
        .doesNotContain("ppppp")
        .doesNotContain("sssss");
  }

  @Test
  void shouldDefaultTheOutboxToLogOnlyModeWithDocumentedSettings() {
    ArbiterConfig c = ConfigLoader.load(Map.of());
    assertThat(c.outbox().kafkaConfigured()).isFalse();
    assertThat(c.outbox().topic()).isEqualTo("arbiter.events");
    assertThat(c.outbox().pollInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.outbox().maxAttempts()).isEqualTo(10);
    assertThat(c.outbox().retention()).isEqualTo(Duration.ofDays(7));
    assertThat(c.outbox().inProcess()).isTrue();
    assertThat(c.outbox().drainTimeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(c.outbox().reaperStaleness()).isEqualTo(Duration.ofSeconds(300));
    assertThat(c.outbox().livenessFile().toString())
        .isEqualTo("/tmp/arbiter-outbox-publisher.alive");
    assertThat(c.cronSecret()).isEmpty();
    assertThat(c.warnings()).isEmpty();
  }

  /**
   * Headers for external models' services are checked at start, against the allowed prefixes, and
   * no problem quotes a value (it is a credential).
   */
  @Test
  void shouldCheckExternalModelHeadersWithoutQuotingTheirValues() {
    Map<String, String> env = new HashMap<>();
    env.put("ARBITER_EXTERNAL_MODEL_URLS", "https://scoring.internal/v1");
    env.put(
        "ARBITER_EXTERNAL_MODEL_HEADERS",
        "{\"https://scoring.internal/v1/churn\": {\"Authorization\": \"Bearer tok-1\"},"
            + " \"https://scoring.internal/v1\": {\"Authorization\": \"Bearer tok-2\"}}");
    ArbiterConfig c = ConfigLoader.load(env);
    assertThat(
            c.externalModelHeaders()
                .headersFor(java.net.URI.create("https://scoring.internal/v1/churn/score")))
        .as("the longest prefix wins")
        .containsExactly(Map.entry("Authorization", "Bearer tok-1"));
    assertThat(
            c.externalModelHeaders()
                .headersFor(java.net.URI.create("https://scoring.internal/v1/upsell")))
        .containsExactly(Map.entry("Authorization", "Bearer tok-2"));
    assertThat(
            c.externalModelHeaders().headersFor(java.net.URI.create("https://other.internal/v1")))
        .isEmpty();
    assertThat(c.toString()).doesNotContain("tok-1").contains("externalModelHeaders=2");

    for (String bad :
        List.of(
            "{\"https://elsewhere.example/v1\": {\"Authorization\": \"Bearer tok-3\"}}",
            "{\"https://scoring.internal/v1\": {\"Host\": \"tok-3\"}}",
            "{\"https://scoring.internal/v1\": {\"Authorization\": \"tok-3\\r\\nX: y\"}}",
            "{\"https://scoring.internal/v1\": {}}",
            "{\"https://scoring.internal/v1\": {\"Authorization\": \"tok-3\"",
            "[\"tok-3\"]")) {
      env.put("ARBITER_EXTERNAL_MODEL_HEADERS", bad);
      assertThatThrownBy(() -> ConfigLoader.load(env))
          .as(bad)
          .isInstanceOfSatisfying(
              ConfigException.class,
              e ->
                  assertThat(String.join("\n", e.problems()))
                      .contains("ARBITER_EXTERNAL_MODEL_HEADERS")
                      .doesNotContain("tok-3"));
    }
  }

  @Test
  void shouldRequireThePepperOnlyOfProcessesThatCheckApiKeys() {
    Map<String, String> env =
        Map.of(
            "DATABASE_URL",
            "postgresql://arbiter@db.internal:5432/arbiter",
            "KAFKA_BOOTSTRAP_SERVERS",
            "kafka-1:9092");
    assertThatThrownBy(() -> ConfigLoader.load(env))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                    .contains("API_KEY_PEPPER is required when DATABASE_URL is set"));
    assertThatThrownBy(() -> ConfigLoader.loadFor(env, ConfigLoader.Need.API_KEYS))
        .isInstanceOf(ConfigException.class);
    // the publisher tier, migrate and tenant create hash no key: the secret stays off their hosts
    assertThat(ConfigLoader.loadFor(env, ConfigLoader.Need.KAFKA).apiKeyPepper()).isEmpty();
    assertThat(ConfigLoader.loadFor(env).apiKeyPepper()).isEmpty();
    // a pepper given anyway is still checked
    Map<String, String> shortPepper = new HashMap<>(env);
    shortPepper.put("API_KEY_PEPPER", "short");
    assertThatThrownBy(() -> ConfigLoader.loadFor(shortPepper, ConfigLoader.Need.KAFKA))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(String.join("\n", e.problems()))
                    .contains("API_KEY_PEPPER must be at least 32 bytes"));
  }

  @Test
  void shouldReportEveryOutboxProblemAtOnceAndRequireKafkaForThePublisherTier() {
    Map<String, String> env = new HashMap<>();
    env.put("KAFKA_TOPIC", "bad topic!");
    env.put("OUTBOX_POLL_INTERVAL_MS", "0");
    env.put("OUTBOX_MAX_ATTEMPTS", "many");
    env.put("OUTBOX_RETENTION", "P1X");
    env.put("OUTBOX_PUBLISHER_INPROCESS", "perhaps");
    env.put("CRON_SECRET", "short");
    assertThatThrownBy(() -> ConfigLoader.loadFor(env, ConfigLoader.Need.KAFKA))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(String.join("\n", e.problems()))
                    .contains("KAFKA_BOOTSTRAP_SERVERS is required by outbox-publisher")
                    .contains("KAFKA_TOPIC must be")
                    .contains("OUTBOX_POLL_INTERVAL_MS must be between")
                    .contains("OUTBOX_MAX_ATTEMPTS must be an integer")
                    .contains("OUTBOX_RETENTION is invalid")
                    .contains("OUTBOX_PUBLISHER_INPROCESS must be true or false")
                    .contains("CRON_SECRET must be at least 16 bytes"));
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("KAFKA_BOOTSTRAP_SERVERS", "kafka")))
        .hasMessageContaining("KAFKA_BOOTSTRAP_SERVERS must be a comma-separated list");
  }

  @Test
  void shouldFallBackToTheDefaultReaperStalenessWithAWarning() {
    ArbiterConfig c =
        ConfigLoader.load(
            Map.of(
                "OUTBOX_REAPER_STALENESS_SECONDS",
                "five minutes",
                "KAFKA_BOOTSTRAP_SERVERS",
                "k1:9092,k2:9092"));
    assertThat(c.outbox().reaperStaleness()).isEqualTo(Duration.ofSeconds(300));
    assertThat(c.warnings()).singleElement().asString().contains("OUTBOX_REAPER_STALENESS_SECONDS");
    assertThat(c.outbox().bootstrapServers()).contains("k1:9092,k2:9092");
  }

  @Test
  void warnsWhenTheReaperCouldResetEventsStillBeingSent() {
    ArbiterConfig tight =
        ConfigLoader.load(
            Map.of("OUTBOX_REAPER_STALENESS_SECONDS", "39", "OUTBOX_SEND_TIMEOUT_MS", "30000"));
    assertThat(tight.warnings())
        .singleElement()
        .asString()
        .contains("OUTBOX_REAPER_STALENESS_SECONDS (39)", "OUTBOX_SEND_TIMEOUT_MS", "40 s");

    ArbiterConfig enough =
        ConfigLoader.load(
            Map.of("OUTBOX_REAPER_STALENESS_SECONDS", "40", "OUTBOX_SEND_TIMEOUT_MS", "30000"));
    assertThat(enough.warnings()).isEmpty();

    ArbiterConfig slowBroker = ConfigLoader.load(Map.of("OUTBOX_SEND_TIMEOUT_MS", "600000"));
    assertThat(slowBroker.warnings()).singleElement().asString().contains("(300)", "610 s");
  }

  @Test
  void readsWhereThePublisherTierServesItsMetrics() {
    assertThat(ConfigLoader.load(Map.of()).publisherMetricsPort()).hasValue(9464);
    assertThat(
            ConfigLoader.load(Map.of("OUTBOX_PUBLISHER_METRICS_PORT", "OFF"))
                .publisherMetricsPort())
        .isEmpty();
    assertThat(
            ConfigLoader.load(Map.of("OUTBOX_PUBLISHER_METRICS_PORT", "0")).publisherMetricsPort())
        .hasValue(0);
    for (String bad : List.of("65536", "-1", "metrics")) {
      assertThatThrownBy(() -> ConfigLoader.load(Map.of("OUTBOX_PUBLISHER_METRICS_PORT", bad)))
          .hasMessageContaining(
              "OUTBOX_PUBLISHER_METRICS_PORT must be a port between 0 and 65535 (0 for any free"
                  + " one) or off, got '"
                  + bad
                  + "'");
    }
  }
}
