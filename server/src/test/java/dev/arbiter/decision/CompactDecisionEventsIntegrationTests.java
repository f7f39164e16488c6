package dev.arbiter.decision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.db.CompressedJson;
import dev.arbiter.db.DocumentStorage;
import dev.arbiter.db.EventBatch;
import dev.arbiter.db.EventEncoding;
import dev.arbiter.decision.jdbc.JdbcDecisionLogRepository;
import dev.arbiter.engine.pipeline.RankedOffer;
import dev.arbiter.outbox.ClaimedEvent;
import dev.arbiter.outbox.jdbc.JdbcOutboxStore;
import dev.arbiter.shared.Ids;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Decision events written compactly ({@link EventBatch#COMPACT}) against real PostgreSQL: every
 * reader (the publisher's claim, Respond's lookup, the event log) gets the JSON the mapper writes
 * for each event, byte for byte, as from rows of JSON.
 */
class CompactDecisionEventsIntegrationTests {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static JdbcDecisionLogRepository repository(String url, EventEncoding encoding) {
    DriverManagerDataSource ds = new DriverManagerDataSource(url);
    return new JdbcDecisionLogRepository(
        JdbcClient.create(ds),
        new JdbcTemplate(ds),
        JSON,
        DocumentStorage.COMPRESSED,
        JdbcDecisionLogRepository.DEFAULT_EVENTS_PER_ROW,
        encoding,
        () -> {});
  }

  private static JdbcOutboxStore store(String url) {
    DriverManagerDataSource ds = new DriverManagerDataSource(url);
    return new JdbcOutboxStore(
        JdbcClient.create(ds),
        new JdbcTemplate(ds),
        new TransactionTemplate(new DataSourceTransactionManager(ds)),
        JSON);
  }

  /**
   * {@code n} decisions of tenant t1 as Recommend makes them on the reference flow: five offers of
   * a catalog of 100, random scores, a customer of 10,000.
   */
  static List<OutboxEvent> decisions(int n, Random r) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(Ids.newId());
    }
    ids.sort(null);
    List<OutboxEvent> events = new ArrayList<>();
    for (String id : ids) {
      events.add(decision(id, "customer-" + r.nextInt(10_000), r));
    }
    return events;
  }

  /** Decision {@code id} of {@code customer}. */
  static OutboxEvent decision(String id, String customer, Random r) {
    Instant at = Instant.now();
    List<RecommendService.DecidedOffer> offers = new ArrayList<>();
    for (int rank = 1; rank <= 5; rank++) {
      int k = r.nextInt(100);
      RankedOffer o =
          new RankedOffer(
              rank,
              "offer-" + k,
              "0199" + String.format("%04d", k) + "-0000-7000-8000-000000000000",
              "Offer number " + k,
              r.nextDouble(),
              r.nextDouble(),
              r.nextInt(20) == 0,
              Map.of());
      offers.add(
          new RecommendService.DecidedOffer(
              o, "small", r.nextBoolean() ? Map.of("balance", r.nextInt(4)) : Map.of()));
    }
    var data =
        new RecommendService.DecisionMade(
            id,
            "t1",
            customer,
            Ids.newId(),
            "ref100",
            1,
            7,
            "web",
            "hero",
            "bandit",
            null,
            at.toString(),
            r.nextLong(),
            offers);
    return OutboxEvent.cloudEvent(id, "t1", "t1", "decision.made.v1", customer, at, data);
  }

  /** A UUIDv7 id of the given millisecond and sequence, as {@code Ids.newId()} makes them. */
  private static String uuid7(long millis, long seq) {
    return String.format("%08x-%04x-7000-8000-%012x", millis >>> 16, millis & 0xFFFF, seq);
  }

  /** The first byte of each row's uncompressed document, in id order. */
  private static List<Integer> formats(String url) {
    List<Integer> formats = new ArrayList<>();
    for (byte[] stored : documents(url)) {
      formats.add((int) CompressedJson.decompress(stored)[0]);
    }
    return formats;
  }

  private static List<byte[]> documents(String url) {
    return JdbcClient.create(new DriverManagerDataSource(url))
        .sql("select event_compressed from outbox_events order by id")
        .query(byte[].class)
        .list();
  }

  /** The claim's records by id: what the publisher would send to Kafka. */
  private static Map<String, ClaimedEvent.Record> claimed(String url) {
    Map<String, ClaimedEvent.Record> records = new HashMap<>();
    for (ClaimedEvent c : store(url).claim(10_000)) {
      assertThat(c.unreadable()).isNull();
      c.records().forEach(r -> records.put(r.id(), r));
    }
    return records;
  }

  /** The publisher's claim holds each event once, with the bytes the mapper writes for it. */
  private static void assertClaimedAsTheirJson(String url, List<OutboxEvent> events) {
    Map<String, ClaimedEvent.Record> records = claimed(url);
    assertThat(records).hasSize(events.size());
    for (OutboxEvent e : events) {
      assertThat(records.get(e.id()).value()).isEqualTo(JSON.writeValueAsBytes(e.event()));
    }
  }

  @Test
  void shouldStoreDecisionsCompactlyAndGiveEveryReaderEachEventsJson() {
    String url = DecisionLogIntegrationTests.migrated();
    List<OutboxEvent> events = decisions(300, new Random(5));
    JdbcDecisionLogRepository repo = repository(url, EventEncoding.COMPACT);

    repo.insertEvents(events);
    repo.insertEvents(events); // a retry after an unknown outcome stores nothing twice

    List<byte[]> documents = documents(url);
    assertThat(documents).hasSizeGreaterThan(1);
    int compact = 0;
    for (byte[] stored : documents) {
      byte[] document = CompressedJson.decompress(stored);
      compact += document[0] == EventBatch.COMPACT ? 1 : 0;
      // well inside a page: no TOAST chunks
      assertThat(stored.length).isLessThan(8_000);
    }
    assertThat(compact).isEqualTo(documents.size());
    Map<String, ClaimedEvent.Record> records = claimed(url);
    assertThat(records).hasSize(events.size());
    for (OutboxEvent e : events) {
      ClaimedEvent.Record r = records.get(e.id());
      assertThat(r.key()).isEqualTo(e.partitionKey());
      assertThat(new String(r.value(), StandardCharsets.UTF_8))
          .isEqualTo(JSON.writeValueAsString(e.event()));
    }
    // Respond's lookup of a decision it does not remember
    for (int i : new int[] {0, 1, 150, 299}) {
      OutboxEvent e = events.get(i);
      RecordedDecision d = repo.findDecision("t1", e.id()).orElseThrow();
      var data = (RecommendService.DecisionMade) ((OutboxEvent.CloudEvent) e.event()).data();
      assertThat(d.customerId()).isEqualTo(data.customerId());
      assertThat(d.modelKey()).isEqualTo("bandit");
      assertThat(d.offers().keySet())
          .containsExactlyElementsOf(
              data.offers().stream()
                  .map(RecommendService.DecidedOffer::offerKey)
                  .distinct()
                  .toList());
    }
  }

  @Test
  void shouldWriteJsonBatchesWhenToldToAndReadBothAlike() {
    String url = DecisionLogIntegrationTests.migrated();
    List<OutboxEvent> events = decisions(100, new Random(6));

    repository(url, EventEncoding.JSON).insertEvents(events.subList(0, 50));
    repository(url, EventEncoding.COMPACT).insertEvents(events.subList(50, 100));

    List<Integer> formats = formats(url);
    assertThat(formats).startsWith((int) EventBatch.FORMAT).endsWith((int) EventBatch.COMPACT);
    assertClaimedAsTheirJson(url, events);
  }

  @Test
  void shouldWriteALoneDecisionAsJsonThatOlderNodesRead() {
    String url = DecisionLogIntegrationTests.migrated();
    OutboxEvent one = decisions(1, new Random(7)).get(0);

    repository(url, EventEncoding.COMPACT).insertEvents(List.of(one));

    byte[] document = CompressedJson.decompress(documents(url).get(0));
    assertThat(document).isEqualTo(JSON.writeValueAsBytes(one.event()));
  }

  @Test
  void shouldWriteAsJsonAGroupWithAStringTokensCannotHold() {
    String url = DecisionLogIntegrationTests.migrated();
    Random r = new Random(8);
    List<OutboxEvent> events = new ArrayList<>(decisions(10, r));
    // a customer id with an unpaired surrogate: Java strings hold it, UTF-8 has no bytes for it
    events.add(decision(Ids.newId(), "broken-\ud800", r));

    repository(url, EventEncoding.COMPACT).insertEvents(events);

    assertThat(formats(url)).containsOnly((int) EventBatch.FORMAT);
    assertClaimedAsTheirJson(url, events);
  }

  @Test
  void shouldWriteAsJsonARowThatTheSpanLeavesWithOneEvent() {
    String url = DecisionLogIntegrationTests.migrated();
    Random r = new Random(9);
    long t = Instant.now().toEpochMilli();
    long span = EventBatch.MAX_SPAN_MILLIS;
    List<String> ids =
        List.of(
            uuid7(t, 1),
            uuid7(t + 1, 2),
            uuid7(t + span + 5, 3), // more than the span after the first row's first: alone
            uuid7(t + 2 * span + 10, 4),
            uuid7(t + 2 * span + 11, 5));
    List<OutboxEvent> events = new ArrayList<>();
    for (String id : ids) {
      events.add(decision(id, "customer-" + r.nextInt(100), r));
    }

    repository(url, EventEncoding.COMPACT).insertEvents(events);

    assertThat(formats(url))
        .containsExactly((int) EventBatch.COMPACT, (int) '{', (int) EventBatch.COMPACT);
    assertClaimedAsTheirJson(url, events);
  }
}
