package dev.arbiter.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * A real Kafka broker (KRaft, in process) for tests, and a plain {@link KafkaConsumer} that reads a
 * topic from its beginning.
 */
public final class TestKafka implements AutoCloseable {
  private final EmbeddedKafkaKraftBroker broker;

  private TestKafka(EmbeddedKafkaKraftBroker broker) {
    this.broker = broker;
  }

  /** A broker on a free port. */
  public static TestKafka start() {
    return start(0);
  }

  /**
   * A broker that tells clients to reach it at {@code localhost:advertisedPort} (0: where it
   * listens), e.g. through a {@link TcpProxy}. Its real port is random: the KRaft test kit binds
   * ephemeral ports and ignores {@code kafkaPorts}, so a restarted broker cannot reuse a port.
   */
  public static TestKafka start(int advertisedPort) {
    EmbeddedKafkaKraftBroker b = new EmbeddedKafkaKraftBroker(1, 1);
    if (advertisedPort > 0) {
      b.brokerProperty("advertised.listeners", "EXTERNAL://localhost:" + advertisedPort);
    }
    b.brokerProperty("auto.create.topics.enable", "true");
    b.afterPropertiesSet();
    return new TestKafka(b);
  }

  public String bootstrapServers() {
    return broker.getBrokersAsString();
  }

  /** The port the broker really listens on. */
  public int boundPort() {
    return broker
        .getCluster()
        .brokers()
        .values()
        .iterator()
        .next()
        .boundPort(org.apache.kafka.common.network.ListenerName.normalised("EXTERNAL"));
  }

  /** Creates a topic with {@code partitions} partitions and returns its name. */
  public String newTopic(int partitions) {
    String name = "t-" + UUID.randomUUID();
    broker.addTopics(new NewTopic(name, partitions, (short) 1));
    return name;
  }

  public void createTopic(String name, int partitions) {
    broker.addTopics(new NewTopic(name, partitions, (short) 1));
  }

  /**
   * Reads {@code topic} from the beginning until {@code done} accepts what was read or {@code
   * timeout} passes; returns everything read.
   */
  public List<ConsumerRecord<String, byte[]>> read(
      String topic, Predicate<List<ConsumerRecord<String, byte[]>>> done, Duration timeout) {
    return read(bootstrapServers(), topic, done, timeout);
  }

  public static List<ConsumerRecord<String, byte[]>> read(
      String servers,
      String topic,
      Predicate<List<ConsumerRecord<String, byte[]>>> done,
      Duration timeout) {
    List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                servers,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      long deadline = System.nanoTime() + timeout.toNanos();
      List<TopicPartition> parts = new ArrayList<>();
      while (parts.isEmpty() && System.nanoTime() < deadline) {
        c.partitionsFor(topic, Duration.ofSeconds(5))
            .forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
      }
      c.assign(parts);
      c.seekToBeginning(parts);
      while (!done.test(all) && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(all::add);
      }
    }
    return all;
  }

  /** Stops the broker. */
  @Override
  public void close() {
    broker.destroy();
  }
}
