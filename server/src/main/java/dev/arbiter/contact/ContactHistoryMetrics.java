package dev.arbiter.contact;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The store's meters, shared by its Redis, in-process and failover parts. Never tagged with tenant
 * or customer: {@code arbiter.contact.history.requests{result=hit|miss}} (a miss loads from
 * PostgreSQL), {@code arbiter.contact.history.load.latency} (those loads), {@code
 * arbiter.contact.redis.errors} (calls Redis failed, then answered in process) and {@code
 * arbiter.contact.replay.dropped} (outage entries that did not fit the replay buffer) and {@code
 * arbiter.contact.history.unreadable} (fields of a Redis list no entry could be read from, left
 * out). Thread-safe.
 */
public final class ContactHistoryMetrics implements AutoCloseable {
  private final MeterRegistry meters;
  final Counter hits;
  final Counter misses;
  final Timer loadLatency;
  final Counter redisErrors;
  final Counter replayDropped;
  final Counter unreadable;

  public ContactHistoryMetrics(MeterRegistry meters) {
    this.meters = Objects.requireNonNull(meters, "meters");
    this.hits = requests(meters, "hit");
    this.misses = requests(meters, "miss");
    this.loadLatency =
        Timer.builder("arbiter.contact.history.load.latency")
            .description("Loads of a customer's interactions from PostgreSQL on a miss")
            .register(meters);
    this.redisErrors =
        Counter.builder("arbiter.contact.redis.errors")
            .description("Contact-history calls Redis failed to answer (then answered in process)")
            .register(meters);
    this.replayDropped =
        Counter.builder("arbiter.contact.replay.dropped")
            .description("Entries appended during a Redis outage that the replay buffer dropped")
            .register(meters);
    this.unreadable =
        Counter.builder("arbiter.contact.history.unreadable")
            .description(
                "Fields of customers' lists in Redis that are not entries this node can read,"
                    + " left out of their histories (counted at every read that meets one)")
            .register(meters);
  }

  /**
   * A miss: counts it and loads the customer's interactions of the last {@code horizon} before
   * {@code now} (up to {@link InteractionReader#FUTURE_MARGIN} after it), the newest {@code
   * maxEvents}, timing the load.
   */
  List<ContactEntry> loadOnMiss(
      InteractionReader interactions,
      String tenantId,
      String customerId,
      Instant now,
      ContactHistoryProperties properties) {
    misses.increment();
    long start = System.nanoTime();
    try {
      return interactions.recent(
          tenantId,
          customerId,
          now.minus(properties.horizon()),
          now.plus(InteractionReader.FUTURE_MARGIN),
          properties.maxEvents());
    } finally {
      loadLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
  }

  /** Removes these meters from the registry. */
  @Override
  public void close() {
    for (Meter meter :
        List.<Meter>of(hits, misses, loadLatency, redisErrors, replayDropped, unreadable)) {
      meters.remove(meter);
    }
  }

  private static Counter requests(MeterRegistry meters, String result) {
    return Counter.builder("arbiter.contact.history.requests")
        .description("History requests: hit (answered by the store) or miss (loaded from the DB)")
        .tag("result", result)
        .register(meters);
  }
}
