package dev.arbiter.outbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How the outbox is relayed to Kafka, validated by {@code ConfigLoader}.
 *
 * @param bootstrapServers {@code KAFKA_BOOTSTRAP_SERVERS}; empty means log-only mode: no publisher
 *     runs and events stay readable at {@code GET /api/v1/events}
 * @param topic {@code KAFKA_TOPIC}, default {@code arbiter.events}
 * @param pollInterval {@code OUTBOX_POLL_INTERVAL_MS}: the fallback tick when no NOTIFY arrives
 * @param batchSize {@code OUTBOX_BATCH_SIZE}: rows claimed per transaction
 * @param maxAttempts {@code OUTBOX_MAX_ATTEMPTS}: attempts before a row is dead-lettered ({@code
 *     failed})
 * @param retryBackoff {@code OUTBOX_RETRY_BACKOFF_MS}: delay after the first failed attempt,
 *     doubled per attempt, with jitter
 * @param retryBackoffMax {@code OUTBOX_RETRY_BACKOFF_MAX_MS}: the longest delay between attempts
 * @param sendTimeout {@code OUTBOX_SEND_TIMEOUT_MS}: how long one record may take to be
 *     acknowledged (Kafka's {@code delivery.timeout.ms})
 * @param retention {@code OUTBOX_RETENTION}: published rows (and, in log-only mode, pending rows)
 *     older than this are deleted
 * @param inProcess {@code OUTBOX_PUBLISHER_INPROCESS}: whether {@code serve} runs a publisher
 * @param livenessFile {@code OUTBOX_LIVENESS_FILE}: touched every tick by {@code outbox-publisher}
 * @param drainTimeout {@code OUTBOX_SHUTDOWN_DRAIN_TIMEOUT_MS}: how long in-flight work may finish
 *     after SIGTERM
 * @param reaperStaleness {@code OUTBOX_REAPER_STALENESS_SECONDS}: a {@code processing} row claimed
 *     longer ago than this is presumed abandoned and reset to {@code pending}
 * @param maxPendingAge {@code OUTBOX_MAX_PENDING_AGE}: {@code /api/health} says degraded when the
 *     oldest pending event is older
 * @param clientProperties extra Kafka client settings from {@code KAFKA_CLIENT_*} variables (TLS,
 *     SASL, …), e.g. {@code KAFKA_CLIENT_SECURITY_PROTOCOL} → {@code security.protocol}; never the
 *     ones delivery guarantees rest on (checked by {@code ConfigLoader})
 */
public record OutboxProperties(
    Optional<String> bootstrapServers,
    String topic,
    Duration pollInterval,
    int batchSize,
    int maxAttempts,
    Duration retryBackoff,
    Duration retryBackoffMax,
    Duration sendTimeout,
    Duration retention,
    boolean inProcess,
    Path livenessFile,
    Duration drainTimeout,
    Duration reaperStaleness,
    Duration maxPendingAge,
    java.util.Map<String, String> clientProperties) {

  /** Client settings Arbiter sets itself: its delivery guarantees rest on them. */
  public static final java.util.Set<String> RESERVED_CLIENT_PROPERTIES =
      java.util.Set.of(
          "bootstrap.servers",
          "acks",
          "enable.idempotence",
          "max.in.flight.requests.per.connection",
          "key.serializer",
          "value.serializer",
          "delivery.timeout.ms",
          "transactional.id");

  public OutboxProperties {
    clientProperties = java.util.Map.copyOf(clientProperties);
  }

  /** Names the client settings but never their values (SASL passwords, key passwords). */
  @Override
  public String toString() {
    return "OutboxProperties[bootstrapServers="
        + bootstrapServers
        + ", topic="
        + topic
        + ", clientProperties="
        + new java.util.TreeSet<>(clientProperties.keySet())
        + "]";
  }

  public static final String DEFAULT_TOPIC = "arbiter.events";
  public static final Duration DEFAULT_REAPER_STALENESS = Duration.ofSeconds(300);

  /** Whether Kafka is configured; false means log-only mode. */
  public boolean kafkaConfigured() {
    return bootstrapServers.isPresent();
  }
}
