package dev.arbiter.outbox;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * Asks the Kafka cluster whether it answers, for health checks: at most one question every two
 * seconds, each given up after one second. Thread-safe.
 */
public final class KafkaProbe implements AutoCloseable {
  private static final long CACHE_NANOS = Duration.ofSeconds(2).toNanos();

  /**
   * One answer.
   *
   * @param clusterId null when unreachable
   * @param error why not, null when reachable
   */
  public record Result(boolean reachable, String clusterId, int brokers, String error, long ms) {}

  private final OutboxProperties props;
  private Admin admin;
  private Result last;
  private long lastAt;

  public KafkaProbe(OutboxProperties props) {
    this.props = props;
  }

  public String target() {
    return props.bootstrapServers().orElse("");
  }

  public synchronized Result probe() {
    long now = System.nanoTime();
    if (last != null && now - lastAt < CACHE_NANOS) {
      return last;
    }
    long start = System.nanoTime();
    try {
      if (admin == null) {
        admin = Admin.create(KafkaClients.admin(props));
      }
      var cluster = admin.describeCluster(new DescribeClusterOptions().timeoutMs(1000));
      String id = cluster.clusterId().get(1500, TimeUnit.MILLISECONDS);
      int brokers = cluster.nodes().get(1500, TimeUnit.MILLISECONDS).size();
      last = new Result(true, id, brokers, null, (System.nanoTime() - start) / 1_000_000);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
      last =
          new Result(
              false, null, 0, Failures.describe(cause), (System.nanoTime() - start) / 1_000_000);
    }
    lastAt = System.nanoTime();
    return last;
  }

  @Override
  public synchronized void close() {
    if (admin != null) {
      admin.close(Duration.ofSeconds(1));
      admin = null;
    }
  }
}
