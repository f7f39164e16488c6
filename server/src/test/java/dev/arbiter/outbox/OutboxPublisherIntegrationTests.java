package dev.arbiter.outbox;

import static dev.arbiter.outbox.OutboxFixtures.count;
import static dev.arbiter.outbox.OutboxFixtures.database;
import static dev.arbiter.outbox.OutboxFixtures.events;
import static dev.arbiter.outbox.OutboxFixtures.insert;
import static dev.arbiter.outbox.OutboxFixtures.props;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.arbiter.decision.OutboxEvent;
import dev.arbiter.outbox.jdbc.JdbcOutboxStore;
import dev.arbiter.testsupport.TestKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The publisher against a real PostgreSQL and a real in-process Kafka broker. */
class OutboxPublisherIntegrationTests {
  static TestKafka kafka;

  @BeforeAll
  static void startKafka() {
    kafka = TestKafka.start();
  }

  @AfterAll
  static void stopKafka() {
    kafka.close();
  }

  @Test
  void shouldPublishEveryEventOnceWithItsKeyPayloadAndCloudEventsContentType() {
    String url = database();
    String topic = kafka.newTopic(3);
    List<OutboxEvent> sent = events(1200);
    insert(url, sent);
    try (var running = OutboxFixtures.publisher(url, props(kafka.bootstrapServers(), topic))) {
      List<ConsumerRecord<String, byte[]>> got =
          kafka.read(topic, l -> l.size() >= sent.size(), Duration.ofSeconds(90));
      await().atMost(Duration.ofSeconds(60)).until(() -> count(url, "published") == sent.size());
      assertThat(got).hasSize(sent.size());
      Map<String, OutboxEvent> byId =
          sent.stream().collect(Collectors.toMap(OutboxEvent::id, Function.identity()));
      Set<String> seen = new HashSet<>();
      Map<String, List<Integer>> seqByKey = new java.util.HashMap<>();
      for (ConsumerRecord<String, byte[]> r : got) {
        JsonNode ce = OutboxFixtures.JSON.readTree(new String(r.value(), StandardCharsets.UTF_8));
        String id = ce.path("id").asString();
        assertThat(seen.add(id)).as("event %s only once", id).isTrue();
        OutboxEvent e = byId.get(id);
        assertThat(e).as("an event we inserted").isNotNull();
        assertThat(r.key()).isEqualTo(e.partitionKey());
        assertThat(ce).isEqualTo(OutboxFixtures.JSON.valueToTree(e.event()));
        assertThat(
                new String(r.headers().lastHeader("content-type").value(), StandardCharsets.UTF_8))
            .isEqualTo("application/cloudevents+json");
        seqByKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(ce.at("/data/seq").asInt());
      }
      assertThat(seen).isEqualTo(byId.keySet());
      // One publisher: each customer's events arrive in the order they were written.
      seqByKey.values().forEach(seqs -> assertThat(seqs).isSorted());
      assertThat(running.counter("arbiter.outbox.published")).isEqualTo(sent.size());
      assertThat(running.meters().find("arbiter.outbox.publish.latency").timer().count())
          .isEqualTo(sent.size());
    }
  }

  @Test
  void shouldNeverGiveTheSameRowToTwoPublishers() throws Exception {
    String url = database();
    int n = 3000;
    insert(url, events(n), 1); // rows of one event: the test is about rows (batch rows:
    // OutboxEventBatchIntegrationTests)
    JdbcOutboxStore a = OutboxFixtures.store(url);
    JdbcOutboxStore b = OutboxFixtures.store(url);
    ConcurrentLinkedQueue<String> claimed = new ConcurrentLinkedQueue<>();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (JdbcOutboxStore store : List.of(a, b, a, b)) {
        workers.add(
            pool.submit(
                () -> {
                  go.await();
                  List<ClaimedEvent> batch;
                  while (!(batch = store.claim(37)).isEmpty()) {
                    batch.forEach(e -> claimed.add(e.id()));
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> w : workers) {
        w.get();
      }
    } finally {
      pool.shutdownNow();
    }
    List<String> all = new ArrayList<>(claimed);
    assertThat(all).hasSize(n).doesNotHaveDuplicates();
    assertThat(count(url, "processing")).isEqualTo(n);
    assertThat(
            OutboxFixtures.jdbc(url)
                .sql("select count(*) from outbox_events where attempts <> 1")
                .query(Long.class)
                .single())
        .isZero();
  }

  @Test
  void shouldWakeAnIdlePublisherOnInsertLongBeforeThePollInterval() {
    String url = database();
    String topic = kafka.newTopic(1);
    Duration poll = Duration.ofMinutes(10);
    try (var running =
        OutboxFixtures.publisher(
            url, OutboxFixtures.props(kafka.bootstrapServers(), topic, poll, 10))) {
      await().atMost(Duration.ofSeconds(30)).until(() -> running.publisher().listening());
      // The first loop ran at start and found nothing; from now on only a NOTIFY can wake it.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  running.meters().find("arbiter.outbox.publisher.last.tick.timestamp").gauge()
                      != null);
      List<OutboxEvent> one = events(1);
      Instant before = Instant.now();
      insert(url, one);
      List<ConsumerRecord<String, byte[]>> got =
          kafka.read(topic, l -> !l.isEmpty(), Duration.ofSeconds(60));
      Duration took = Duration.between(before, Instant.now());
      assertThat(got).hasSize(1);
      assertThat(got.get(0).key()).isEqualTo(one.get(0).partitionKey());
      assertThat(took).isLessThan(poll.dividedBy(10));
    }
  }

  /**
   * send() itself fails partway through a batch row, as it does when the broker stays unknown past
   * max.block.ms: the row is retried whole and marked published only once all its records are
   * acknowledged, and a row none of whose records were handed over goes back with its attempt not
   * counted. At least once: the two records handed over before the failure are on the topic twice,
   * and none is missing.
   */
  @Test
  void shouldRetryABatchRowWholeWhenSendFailsPartwayThroughIt() {
    String url = database();
    String topic = kafka.newTopic(1);
    List<OutboxEvent> sent = events(10);
    insert(url, sent, 5); // two rows of five events, in id order
    OutboxProperties props = props(kafka.bootstrapServers(), topic);
    AtomicInteger sends = new AtomicInteger();
    try (var running =
        OutboxFixtures.publisher(
            url,
            props,
            producers(
                props,
                sends,
                (nth, record, callback, real) -> {
                  if (nth == 3) {
                    throw new org.apache.kafka.common.errors.TimeoutException(
                        "Topic " + topic + " not present in metadata after 5000 ms");
                  }
                  return real.send(record, callback);
                }))) {
      await().atMost(Duration.ofSeconds(60)).until(() -> count(url, "published") == 10);
      List<ConsumerRecord<String, byte[]>> got =
          kafka.read(topic, l -> l.size() >= 12, Duration.ofSeconds(60));
      Map<String, Long> times =
          got.stream().collect(Collectors.groupingBy(this::eventId, Collectors.counting()));
      List<String> ids = sent.stream().map(OutboxEvent::id).sorted().toList();
      assertThat(times.keySet()).containsExactlyInAnyOrderElementsOf(ids);
      assertThat(times.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey))
          .containsExactlyInAnyOrder(ids.get(0), ids.get(1));
      assertThat(got).hasSize(12);
      assertThat(
              OutboxFixtures.jdbc(url)
                  .sql("select attempts from outbox_events order by id")
                  .query(Integer.class)
                  .list())
          .as("neither counts: the first row's failure was transient, the second was never sent")
          .containsExactly(1, 1);
      // the rows are marked published before the counter moves: wait for it too
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> assertThat(running.counter("arbiter.outbox.published")).isEqualTo(10));
      assertThat(running.counter("arbiter.outbox.retried")).isEqualTo(5);
    }
  }

  /**
   * The database fails while one batch is marked published, as the next batch is already with the
   * producer: that next batch is still marked published, not left claimed until the reaper would
   * send it again after later batches (out of order, and twice).
   */
  @Test
  void shouldSettleTheBatchInFlightWhenMarkingThePreviousOnePublishedFails() {
    String url = database();
    String topic = kafka.newTopic(1);
    insert(url, events(15), 1); // a row each: three batches of five
    OutboxFixtures.jdbc(url)
        .sql(
            """
            create sequence fail_once;
            create function fail_first_publish() returns trigger language plpgsql as $$
            begin
              if new.status = 'published' and nextval('fail_once') = 1 then
                raise exception 'injected: the database failed marking a batch published';
              end if;
              return new;
            end $$;
            create trigger fail_first_publish before update on outbox_events
              for each row execute function fail_first_publish();
            """)
        .update();
    OutboxProperties base = props(kafka.bootstrapServers(), topic);
    // batches of five; the reaper (300 s) does not run during this test
    OutboxProperties props = with(base, 5, base.drainTimeout());
    try (var running = OutboxFixtures.publisher(url, props)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> count(url, "published") >= 10);
      assertThat(count(url, "processing"))
          .as("only the batch whose marking failed waits for the reaper")
          .isEqualTo(5);
    }
  }

  /**
   * The producer gives up on the topic's metadata after max.block.ms as Kafka's producer does: not
   * by throwing, but through the record's callback and a failed future. The publisher must not hand
   * it the rest of the batch, each of which would wait max.block.ms again: the next record is sent
   * only after the failed row was settled and a new batch claimed.
   */
  @Test
  void shouldStopHandingOverABatchWhenTheProducerGivesUpOnTheTopicsMetadata() {
    String url = database();
    String topic = kafka.newTopic(1);
    List<OutboxEvent> sent = events(10);
    insert(url, sent, 1);
    OutboxProperties props = props(kafka.bootstrapServers(), topic);
    AtomicInteger sends = new AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<String> failedId =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicReference<String> nextId =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicReference<String> statusAtNextSend =
        new java.util.concurrent.atomic.AtomicReference<>();
    try (var running =
        OutboxFixtures.publisher(
            url,
            props,
            producers(
                props,
                sends,
                (nth, record, callback, real) -> {
                  if (nth == 3) {
                    failedId.set(
                        OutboxFixtures.JSON
                            .readTree(new String(record.value(), StandardCharsets.UTF_8))
                            .path("id")
                            .asString());
                    var gaveUp =
                        new org.apache.kafka.common.errors.TimeoutException(
                            "Topic " + topic + " not present in metadata after 5000 ms.");
                    callback.onCompletion(null, gaveUp);
                    return java.util.concurrent.CompletableFuture.failedFuture(gaveUp);
                  }
                  if (nth == 4) {
                    nextId.set(
                        OutboxFixtures.JSON
                            .readTree(new String(record.value(), StandardCharsets.UTF_8))
                            .path("id")
                            .asString());
                    statusAtNextSend.set(
                        OutboxFixtures.jdbc(url)
                            .sql("select status from outbox_events where id = ?")
                            .param(failedId.get())
                            .query(String.class)
                            .single());
                  }
                  return real.send(record, callback);
                }))) {
      await().atMost(Duration.ofSeconds(60)).until(() -> count(url, "published") == 10);
      // settled (back to pending, to retry) before anything else was sent; the next send is the
      // failed row's own retry (claimed again: processing) or the next row's
      assertThat(statusAtNextSend.get())
          .as("the failed row's status when the next record was sent")
          .isEqualTo(nextId.get().equals(failedId.get()) ? "processing" : "pending");
      assertThat(
              OutboxFixtures.jdbc(url)
                  .sql("select attempts from outbox_events order by id")
                  .query(Integer.class)
                  .list())
          .as("no attempt counts: a transient failure, and the rest of its batch never sent")
          .containsExactly(1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
      assertThat(kafka.read(topic, l -> l.size() >= 10, Duration.ofSeconds(30))).hasSize(10);
    }
  }

  /**
   * Transient failures (the broker unreachable or slow) do not use up an event's attempts: after
   * more of them than {@code maxAttempts}, one failure of another kind retries the event rather
   * than dead-letter it.
   */
  @Test
  void shouldNotCountTransientFailuresTowardDeadLettering() {
    assertThat(
            attemptsAfterFailedSends(
                5,
                nth ->
                    nth <= 4
                        ? new org.apache.kafka.common.errors.NotLeaderOrFollowerException(
                            "injected: no leader for the partition")
                        : new org.apache.kafka.common.errors.PolicyViolationException(
                            "injected: the broker refused the record")))
        .as("the refused attempt and the one that succeeded")
        .isEqualTo(2);
  }

  /**
   * The broker refusing the publisher (a rotated password, an expired certificate, a removed topic
   * permission) is no fault of the events: more refusals than OUTBOX_MAX_ATTEMPTS use up none of
   * their attempts, and once the publisher is let in again they are published, not dead-lettered.
   */
  @Test
  void shouldNotDeadLetterEventsWhileTheBrokerRefusesThePublisher() {
    String topic = "refused-topic";
    assertThat(
            attemptsAfterFailedSends(
                6,
                nth ->
                    nth % 2 == 0
                        ? new org.apache.kafka.common.errors.TopicAuthorizationException(
                            java.util.Set.of(topic))
                        : new org.apache.kafka.common.errors.SaslAuthenticationException(
                            "injected: authentication failed")))
        .as("only the attempt that succeeded")
        .isEqualTo(1);
  }

  /**
   * Refusals in a row pause the publisher longer each time, beyond the poll interval: the pause
   * after the fifth is at least 400 ms (half of 50 ms doubled four times) with a poll interval of
   * 200 ms, so that refusals counting toward giving up are spread out rather than one per poll.
   */
  @Test
  void shouldPauseLongerThanThePollIntervalAfterRefusalsInARow() {
    long[] sentAt = new long[7];
    attemptsAfterFailedSends(
        6,
        nth ->
            new org.apache.kafka.common.errors.SaslAuthenticationException(
                "injected: authentication failed"),
        sentAt);
    assertThat(Duration.ofNanos(sentAt[5] - sentAt[4]))
        .isGreaterThanOrEqualTo(Duration.ofMillis(400));
  }

  /**
   * One event whose first {@code failed} sends fail with {@code failure(nth)} and the next goes
   * through, with at most 3 attempts before a dead letter: the event's attempts once published
   * (none dead-lettered, every send seen).
   */
  private int attemptsAfterFailedSends(
      int failed, java.util.function.IntFunction<RuntimeException> failure) {
    return attemptsAfterFailedSends(failed, failure, new long[0]);
  }

  /** As above, also noting when each of the first {@code sentAt.length} sends was made. */
  private int attemptsAfterFailedSends(
      int failed, java.util.function.IntFunction<RuntimeException> failure, long[] sentAt) {
    String url = database();
    String topic = kafka.newTopic(1);
    insert(url, events(1), 1);
    OutboxProperties props =
        OutboxFixtures.props(kafka.bootstrapServers(), topic, Duration.ofMillis(200), 3);
    AtomicInteger sends = new AtomicInteger();
    try (var running =
        OutboxFixtures.publisher(
            url,
            props,
            producers(
                props,
                sends,
                (nth, record, callback, real) -> {
                  if (nth <= sentAt.length) {
                    sentAt[nth - 1] = System.nanoTime();
                  }
                  if (nth <= failed) {
                    RuntimeException e = failure.apply(nth);
                    callback.onCompletion(null, e);
                    return java.util.concurrent.CompletableFuture.failedFuture(e);
                  }
                  return real.send(record, callback);
                }))) {
      await().atMost(Duration.ofSeconds(90)).until(() -> count(url, "published") == 1);
      assertThat(sends.get()).isEqualTo(failed + 1);
      assertThat(running.counter("arbiter.outbox.failed")).isZero();
      // a publisher records itself, so that log-only nodes keep its backlog
      assertThat(
              OutboxFixtures.jdbc(url)
                  .sql("select count(*) from outbox_publishers")
                  .query(Long.class)
                  .single())
          .isEqualTo(1);
      return OutboxFixtures.jdbc(url)
          .sql("select attempts from outbox_events")
          .query(Integer.class)
          .single();
    }
  }

  /**
   * A publisher closed while a batch row is half acknowledged (its other records still out at the
   * drain deadline) leaves the row pending, not published; the next publisher sends it whole.
   */
  @Test
  void shouldLeaveAHalfAcknowledgedBatchRowPendingAtTheDrainDeadline() {
    String url = database();
    String topic = kafka.newTopic(1);
    List<OutboxEvent> sent = events(10);
    insert(url, sent, 5);
    OutboxProperties base = props(kafka.bootstrapServers(), topic);
    OutboxProperties props = with(base, base.batchSize(), Duration.ofSeconds(1));
    AtomicInteger sends = new AtomicInteger();
    var stalled =
        OutboxFixtures.publisher(
            url,
            props,
            producers(
                props,
                sends,
                // the first two records reach the broker; the rest are never acknowledged
                (nth, record, callback, real) ->
                    nth <= 2
                        ? real.send(record, callback)
                        : new java.util.concurrent.CompletableFuture<>()));
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> sends.get() >= 10);
      assertThat(kafka.read(topic, l -> l.size() >= 2, Duration.ofSeconds(30))).hasSize(2);
    } finally {
      stalled.close();
    }
    assertThat(OutboxFixtures.statuses(url)).isEqualTo(Map.of("pending", 10L));
    // released, not failed: neither row's attempt counts, nothing is retried or published
    assertThat(
            OutboxFixtures.jdbc(url)
                .sql("select attempts from outbox_events order by id")
                .query(Integer.class)
                .list())
        .containsExactly(0, 0);
    assertThat(stalled.counter("arbiter.outbox.retried")).isZero();
    assertThat(stalled.counter("arbiter.outbox.published")).isZero();
    try (var running = OutboxFixtures.publisher(url, props(kafka.bootstrapServers(), topic))) {
      await().atMost(Duration.ofSeconds(60)).until(() -> count(url, "published") == 10);
      List<ConsumerRecord<String, byte[]>> got =
          kafka.read(topic, l -> l.size() >= 12, Duration.ofSeconds(60));
      assertThat(got.stream().map(this::eventId).collect(Collectors.toSet()))
          .containsExactlyInAnyOrderElementsOf(sent.stream().map(OutboxEvent::id).toList());
      assertThat(got).hasSize(12);
    }
  }

  /** A producer's send. */
  private interface Send {
    Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback);
  }

  /** What a test's producer does with the {@code nth} record sent, given the real send. */
  private interface FaultySend {
    Future<RecordMetadata> send(
        int nth, ProducerRecord<String, byte[]> record, Callback callback, Send real);
  }

  /**
   * Real producers with {@code props}' settings, in front of the real broker, whose sends go
   * through {@code faulty}; {@code sends} counts them across every producer made.
   */
  private static Supplier<Producer<String, byte[]>> producers(
      OutboxProperties props, AtomicInteger sends, FaultySend faulty) {
    return () ->
        new KafkaProducer<>(
            KafkaClients.producerConfig(props), new StringSerializer(), new ByteArraySerializer()) {
          @Override
          public Future<RecordMetadata> send(
              ProducerRecord<String, byte[]> record, Callback callback) {
            return faulty.send(sends.incrementAndGet(), record, callback, super::send);
          }
        };
  }

  /** {@code base} with another batch size and drain timeout. */
  private static OutboxProperties with(OutboxProperties base, int batchSize, Duration drain) {
    return new OutboxProperties(
        base.bootstrapServers(),
        base.topic(),
        base.pollInterval(),
        batchSize,
        base.maxAttempts(),
        base.retryBackoff(),
        base.retryBackoffMax(),
        base.sendTimeout(),
        base.retention(),
        base.inProcess(),
        base.livenessFile(),
        drain,
        base.reaperStaleness(),
        base.maxPendingAge(),
        base.clientProperties());
  }

  private String eventId(ConsumerRecord<String, byte[]> r) {
    return OutboxFixtures.JSON
        .readTree(new String(r.value(), StandardCharsets.UTF_8))
        .path("id")
        .asString();
  }

  @Test
  void shouldRetryWithBackoffThenDeadLetterAnEventTheBrokerCannotTake() {
    String url = database();
    String topic = kafka.newTopic(1);
    List<OutboxEvent> small = events(3);
    // Larger than the producer's max.request.size (1 MiB): every attempt fails the same way.
    List<OutboxEvent> huge = events(1, 1_200_000);
    insert(url, small);
    insert(url, huge);
    OutboxProperties props =
        OutboxFixtures.props(kafka.bootstrapServers(), topic, Duration.ofMillis(500), 3);
    try (var running = OutboxFixtures.publisher(url, props)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> count(url, "failed") == 1);
      Map<String, Object> row =
          OutboxFixtures.jdbc(url)
              .sql("select attempts, last_error from outbox_events where status = 'failed'")
              .query()
              .singleRow();
      assertThat(row.get("attempts")).isEqualTo(3);
      assertThat((String) row.get("last_error")).contains("RecordTooLarge");
      assertThat(count(url, "published")).isEqualTo(3);
      assertThat(running.counter("arbiter.outbox.failed")).isEqualTo(1);
      assertThat(running.counter("arbiter.outbox.retried")).isEqualTo(2);
      assertThat(kafka.read(topic, l -> l.size() >= 3, Duration.ofSeconds(30))).hasSize(3);
    }
  }

  @Test
  void shouldDeadLetterAStoredEventItCannotReadAndPublishTheRestPastIt() {
    String url = database();
    String topic = kafka.newTopic(1);
    List<OutboxEvent> good = events(4);
    insert(url, good.subList(0, 2));
    // the oldest pending row after these two: claimed first in every batch until it is settled
    OutboxFixtures.jdbc(url)
        .sql(
            """
            insert into outbox_events (id, tenant_id, type, partition_key, event_compressed,
                                       status, attempts, next_attempt_at, created_at)
            values (:id, 't1', 'decision.made.v1', 't1:c-x', :bytes, 'pending', 0, now(), now())
            """)
        .param("id", dev.arbiter.shared.Ids.newId())
        .param("bytes", new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD, 1, 2, 3}) // cut short
        .update();
    insert(url, good.subList(2, 4));
    OutboxProperties props =
        OutboxFixtures.props(kafka.bootstrapServers(), topic, Duration.ofMillis(200), 2);
    try (var running = OutboxFixtures.publisher(url, props)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> count(url, "failed") == 1);
      await().atMost(Duration.ofSeconds(30)).until(() -> count(url, "published") == 4);
      Map<String, Object> row =
          OutboxFixtures.jdbc(url)
              .sql("select attempts, last_error from outbox_events where status = 'failed'")
              .query()
              .singleRow();
      assertThat(row.get("attempts")).isEqualTo(2);
      assertThat((String) row.get("last_error"))
          .startsWith("UnreadableEventException: ")
          .contains("zstd");
      assertThat(kafka.read(topic, l -> l.size() >= 4, Duration.ofSeconds(30)))
          .extracting(ConsumerRecord::key)
          .containsExactlyInAnyOrderElementsOf(
              good.stream().map(OutboxEvent::partitionKey).toList());
      // the event log lists it, saying why it cannot be read, instead of failing at it
      assertThat(OutboxFixtures.store(url).list("t1", "failed", null, 10, Duration.ZERO))
          .singleElement()
          .satisfies(e -> assertThat(e.events().get(0)).containsKey("unreadable"));
    }
  }

  @Test
  void shouldDeleteOnlyPublishedRowsPastTheRetentionWhenKafkaIsConfigured() {
    String url = database();
    insert(url, events(5), 1); // rows of one event: the test is about rows (batch rows:
    // OutboxEventBatchIntegrationTests)
    JdbcOutboxStore store = OutboxFixtures.store(url);
    List<ClaimedEvent> claimed = store.claim(3);
    store.markPublished(claimed.stream().map(ClaimedEvent::id).toList());
    Clock later = Clock.fixed(Instant.now().plus(Duration.ofDays(8)), ZoneOffset.UTC);
    Clock sooner = Clock.fixed(Instant.now().plus(Duration.ofDays(6)), ZoneOffset.UTC);
    OutboxProperties kafkaMode = props("127.0.0.1:9", "x");
    OutboxMetrics metrics = new OutboxMetrics(new SimpleMeterRegistry(), true);
    assertThat(new OutboxMaintenance(store, kafkaMode, metrics, sooner).purge()).isZero();
    assertThat(new OutboxMaintenance(store, kafkaMode, metrics, later).purge()).isEqualTo(3);
    assertThat(count(url, "pending")).isEqualTo(2);
    // Log-only mode: nothing will ever publish these, so they age out too.
    OutboxProperties logOnly = props(null, "x");
    assertThat(new OutboxMaintenance(store, logOnly, metrics, later).purge()).isEqualTo(2);
    assertThat(OutboxFixtures.statuses(url)).isEmpty();
  }
}
