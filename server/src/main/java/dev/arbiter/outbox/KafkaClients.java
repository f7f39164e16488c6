package dev.arbiter.outbox;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The Kafka client settings Arbiter uses, in one place. */
public final class KafkaClients {
  private static final int LINGER_MS = 5;

  private KafkaClients() {}

  /**
   * A producer that never writes a record twice on its own retries (idempotent) and reports success
   * only once every in-sync replica has it ({@code acks=all}). A record not acknowledged within
   * {@code sendTimeout} fails; {@code send} blocks at most 5 s when the broker is unknown.
   */
  public static Producer<String, byte[]> producer(OutboxProperties props) {
    return new KafkaProducer<>(
        producerConfig(props), new StringSerializer(), new ByteArraySerializer());
  }

  /**
   * What Kafka's own checks refuse in the producer's and the health probe's settings (a value of
   * the wrong type or out of range, an unknown security protocol, {@code retries=0} with the
   * idempotent producer), without connecting: empty when they pass.
   */
  public static java.util.Optional<String> problem(OutboxProperties props) {
    try {
      Map<String, Object> producer = producerConfig(props);
      producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
      producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
      new ProducerConfig(producer);
      new AdminClientConfig(admin(props));
      return java.util.Optional.empty();
    } catch (org.apache.kafka.common.KafkaException e) {
      return java.util.Optional.of(String.valueOf(e.getMessage()));
    }
  }

  /** The producer's settings: idempotent, acks from all replicas, sends bounded in time. */
  static Map<String, Object> producerConfig(OutboxProperties props) {
    Map<String, Object> c = common(props);
    long timeout = props.sendTimeout().toMillis();
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    c.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    c.put(ProducerConfig.LINGER_MS_CONFIG, LINGER_MS);
    c.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout);
    c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(30_000, timeout - LINGER_MS));
    c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.min(5_000, timeout));
    c.put(ProducerConfig.CLIENT_ID_CONFIG, "arbiter-outbox-" + ProcessHandle.current().pid());
    return c;
  }

  /** Settings for the health probe's admin client: quick to give up. */
  static Map<String, Object> admin(OutboxProperties props) {
    Map<String, Object> c = common(props);
    c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 1000);
    c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 1000);
    c.put(AdminClientConfig.CLIENT_ID_CONFIG, "arbiter-health-" + ProcessHandle.current().pid());
    return c;
  }

  private static Map<String, Object> common(OutboxProperties props) {
    // The operator's settings first (TLS, SASL, …): Arbiter's own below win, and ConfigLoader
    // refuses the reserved ones anyway.
    Map<String, Object> c = new HashMap<>(props.clientProperties());
    c.put(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        props
            .bootstrapServers()
            .orElseThrow(() -> new IllegalStateException("KAFKA_BOOTSTRAP_SERVERS is not set")));
    // A restarted broker is found within a second rather than after the default 1 s..10 s climb.
    c.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
    return c;
  }
}
