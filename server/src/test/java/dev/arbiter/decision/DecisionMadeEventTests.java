package dev.arbiter.decision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.engine.pipeline.RankedOffer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.annotation.JsonSerialize;
import tools.jackson.databind.json.JsonMapper;

/**
 * decision.made.v1 written from records is the document it was when it was built of maps: the same
 * bytes, attributes and fields in the same order, nulls written, empty bins left out.
 */
class DecisionMadeEventTests {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Instant AT = Instant.parse("2026-12-05T10:15:30.123456Z");

  @Test
  void shouldWriteTheEventExactlyAsItsDocumentedForm() {
    OutboxEvent event = event(null, null, Map.of());

    assertThat(JSON.writeValueAsString(event.event()))
        .isEqualTo(
            "{\"specversion\":\"1.0\",\"id\":\"d-1\",\"source\":\"/arbiter/tenants/acme\","
                + "\"type\":\"decision.made.v1\",\"subject\":\"c-1\","
                + "\"time\":\"2026-12-05T10:15:30.123456Z\",\"datacontenttype\":\"application/json\","
                + "\"data\":{\"decisionId\":\"d-1\",\"tenant\":\"acme\",\"customerId\":\"c-1\","
                + "\"requestId\":\"r-1\",\"flowKey\":\"home\",\"flowVersion\":3,"
                + "\"catalogVersion\":42,\"channel\":\"web\",\"placement\":null,\"modelKey\":null,"
                + "\"decidedAt\":\"2026-12-05T10:15:30.123456Z\",\"seed\":-7,\"offers\":["
                + "{\"rank\":1,\"offerKey\":\"gold\",\"offerId\":\"o-1\",\"name\":\"Gold\","
                + "\"score\":0.75,\"propensity\":0.125,\"fallback\":false,\"category\":\"cards\"},"
                + "{\"rank\":2,\"offerKey\":\"silver\",\"offerId\":null,\"name\":\"Silver\","
                + "\"score\":0.5,\"propensity\":0.05,\"fallback\":true,\"category\":null}]}}");
    assertThat(event.partitionKey()).isEqualTo("acme:c-1");
    assertThat(event.createdAt()).isEqualTo(AT);
  }

  @Test
  void shouldWriteTheSameBytesAsTheMapsItWasBuiltOfBefore() {
    for (var bins : List.of(Map.<String, Integer>of(), Map.of("balance", 2))) {
      OutboxEvent event = event("hero", "bandit", bins);
      assertThat(JSON.writeValueAsString(event.event()))
          .isEqualTo(JSON.writeValueAsString(asMaps(bins)));
    }
  }

  /**
   * The hand-written serializer against Jackson's own for the record: many bins, nulls, numbers
   * plain and odd.
   */
  @Test
  void shouldWriteWhatJacksonWouldWriteForTheRecord() {
    JsonMapper beanMapper =
        JsonMapper.builder().addMixIn(RecommendService.DecisionMade.class, ByBeans.class).build();
    Map<String, Integer> bins = new LinkedHashMap<>();
    bins.put("balance", 2);
    bins.put("age", null);
    bins.put("tenure", 0);
    List<RankedOffer> ranked =
        List.of(
            new RankedOffer(1, "gold", null, null, Double.NaN, 1e-12, false, Map.of()),
            new RankedOffer(2, "silver", "o-2", "Silver", -0.0, 123456.789, true, Map.of()));
    var data =
        new RecommendService.DecisionMade(
            "d-1",
            null,
            "c-1",
            null,
            "home",
            Integer.MAX_VALUE,
            Long.MIN_VALUE,
            null,
            "hero",
            "nb",
            binning(),
            AT.toString(),
            0L,
            List.of(
                new RecommendService.DecidedOffer(ranked.get(0), null, bins),
                new RecommendService.DecidedOffer(ranked.get(1), "cards", null)));

    String mine = JSON.writeValueAsString(data);

    assertThat(mine).contains("\"bins\":{\"balance\":2,\"age\":null,\"tenure\":0}");
    assertThat(mine)
        .contains(
            "\"modelKey\":\"nb\",\"modelBinning\":{\"balance\":\"0123456789abcdef\","
                + "\"age\":\"00000000ffffffff\"},");
    assertThat(mine).isEqualTo(beanMapper.writeValueAsString(data));

    // no model: its key written as null, its binning left out, as Jackson's own serializer does
    var noModel =
        new RecommendService.DecisionMade(
            "d-1",
            "acme",
            "c-1",
            "r-1",
            "home",
            1,
            2L,
            "web",
            null,
            null,
            null,
            AT.toString(),
            0L,
            data.offers());
    String without = JSON.writeValueAsString(noModel);
    assertThat(without).contains("\"modelKey\":null,\"decidedAt\":").doesNotContain("modelBinning");
    assertThat(without).isEqualTo(beanMapper.writeValueAsString(noModel));
  }

  /** Respond reads a stored decision's binning back, and none from an event stored before it. */
  @Test
  @SuppressWarnings("unchecked")
  void shouldReadTheModelsBinningBackFromTheStoredEvent() {
    OutboxEvent event = event(null, "nb", binning(), Map.of("age", 1));
    Map<String, Object> stored = JSON.readValue(JSON.writeValueAsString(event.event()), Map.class);
    Map<String, Object> data = (Map<String, Object>) stored.get("data");

    RecordedDecision read = RecordedDecision.fromEventData("t-1", data);
    data.remove("modelBinning");
    RecordedDecision before = RecordedDecision.fromEventData("t-1", data);

    assertThat(read.modelKey()).isEqualTo("nb");
    assertThat(read.modelBinning()).containsExactlyEntriesOf(binning());
    assertThat(read.offers().get("gold").bins()).isEqualTo(Map.of("age", 1));
    assertThat(before.modelBinning()).isNull();
    assertThat(before.modelKey()).isEqualTo("nb");
  }

  /**
   * A compact batch renders each event to the bytes the mapper writes for it: odd numbers, nulls,
   * bins with a null, no offers, non-ASCII, a customer twice.
   */
  @Test
  void shouldRenderACompactBatchToTheBytesOfEachEventsJson() {
    Map<String, Integer> bins = new LinkedHashMap<>();
    bins.put("balance", 2);
    bins.put("âge", null);
    List<RankedOffer> ranked =
        List.of(
            new RankedOffer(1, "gold", null, "Café ✓", Double.NaN, 1e-12, false, Map.of()),
            new RankedOffer(
                2, "silver", "o-2", "Silver \"quoted\"", -0.0, 123456.789, true, Map.of()));
    List<OutboxEvent> events =
        List.of(
            event("hero", "bandit", Map.of("balance", 1)),
            event(null, null, Map.of()),
            OutboxEvent.cloudEvent(
                "d-2",
                "t-1",
                "acme",
                "decision.made.v1",
                "c-ü",
                AT,
                new RecommendService.DecisionMade(
                    "d-2",
                    "acme",
                    "c-ü",
                    null,
                    "home",
                    Integer.MIN_VALUE,
                    Long.MAX_VALUE,
                    null,
                    "hero",
                    "bandit",
                    Map.of("âge", "fedcba9876543210"),
                    AT.toString(),
                    Long.MIN_VALUE,
                    List.of(
                        new RecommendService.DecidedOffer(ranked.get(0), null, bins),
                        new RecommendService.DecidedOffer(ranked.get(1), "cards", null)))),
            OutboxEvent.cloudEvent(
                "d-3",
                "t-1",
                "acme",
                "decision.made.v1",
                "c-1",
                AT,
                new RecommendService.DecisionMade(
                    "d-3",
                    "acme",
                    "c-1",
                    "r-3",
                    "home",
                    0,
                    0,
                    "web",
                    null,
                    null,
                    null,
                    AT.toString(),
                    1L,
                    null)));
    dev.arbiter.db.EventBatch.CompactBatch batch = new dev.arbiter.db.EventBatch.CompactBatch();
    for (OutboxEvent e : events) {
      assertThat(CompactDecisionEvents.compactable(e)).isTrue();
      CompactDecisionEvents.write(e, batch.add(e.id(), e.partitionKey()));
    }

    var read = dev.arbiter.db.EventBatch.decode(batch.toByteArray(), JSON);

    assertThat(read).hasSize(events.size());
    for (int i = 0; i < events.size(); i++) {
      assertThat(read.get(i).id()).isEqualTo(events.get(i).id());
      assertThat(read.get(i).partitionKey()).isEqualTo(events.get(i).partitionKey());
      assertThat(new String(read.get(i).json(), java.nio.charset.StandardCharsets.UTF_8))
          .isEqualTo(JSON.writeValueAsString(events.get(i).event()));
    }
  }

  @Test
  void shouldLeaveToJsonWhatIsNotADecisionsWholeCloudEvent() {
    OutboxEvent map =
        OutboxEvent.cloudEvent("d-1", "t-1", "acme", "decision.made.v1", "c-1", AT, Map.of());
    OutboxEvent noSubject =
        OutboxEvent.cloudEvent(
            "d-1",
            "t-1",
            "acme",
            "decision.made.v1",
            null,
            AT,
            ((OutboxEvent.CloudEvent) event(null, null, Map.of()).event()).data());

    assertThat(CompactDecisionEvents.compactable(map)).isFalse();
    assertThat(CompactDecisionEvents.compactable(noSubject)).isFalse();
    var sink = new dev.arbiter.db.CompactJson.Writer();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> CompactDecisionEvents.write(map, sink))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("d-1");
  }

  /** Takes DecisionMadeJson off the record, so that Jackson binds it property by property. */
  @JsonSerialize(using = ValueSerializer.None.class)
  private abstract static class ByBeans {}

  private static Map<String, String> binning() {
    Map<String, String> binning = new LinkedHashMap<>();
    binning.put("balance", "0123456789abcdef");
    binning.put("age", "00000000ffffffff");
    return binning;
  }

  private static List<RankedOffer> offers() {
    return List.of(
        new RankedOffer(1, "gold", "o-1", "Gold", 0.75, 0.125, false, Map.of("headline", "h")),
        new RankedOffer(2, "silver", null, "Silver", 0.5, 0.05, true, Map.of()));
  }

  private static OutboxEvent event(String placement, String modelKey, Map<String, Integer> bins) {
    return event(placement, modelKey, null, bins);
  }

  private static OutboxEvent event(
      String placement,
      String modelKey,
      Map<String, String> modelBinning,
      Map<String, Integer> bins) {
    List<RankedOffer> offers = offers();
    var decided =
        List.of(
            new RecommendService.DecidedOffer(offers.get(0), "cards", bins),
            new RecommendService.DecidedOffer(offers.get(1), null, bins));
    var data =
        new RecommendService.DecisionMade(
            "d-1",
            "acme",
            "c-1",
            "r-1",
            "home",
            3,
            42L,
            "web",
            placement,
            modelKey,
            modelBinning,
            AT.toString(),
            -7L,
            decided);
    return OutboxEvent.cloudEvent("d-1", "t-1", "acme", "decision.made.v1", "c-1", AT, data);
  }

  /** The event as the server built it up to this change: maps in insertion order. */
  private static Map<String, Object> asMaps(Map<String, Integer> bins) {
    List<Map<String, Object>> offers = new java.util.ArrayList<>();
    String[] categories = {"cards", null};
    for (RankedOffer o : offers()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rank", o.rank());
      m.put("offerKey", o.offerKey());
      m.put("offerId", o.offerId());
      m.put("name", o.name());
      m.put("score", o.score());
      m.put("propensity", o.propensity());
      m.put("fallback", o.fallback());
      m.put("category", categories[o.rank() - 1]);
      if (!bins.isEmpty()) {
        m.put("bins", bins);
      }
      offers.add(m);
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("decisionId", "d-1");
    data.put("tenant", "acme");
    data.put("customerId", "c-1");
    data.put("requestId", "r-1");
    data.put("flowKey", "home");
    data.put("flowVersion", 3);
    data.put("catalogVersion", 42L);
    data.put("channel", "web");
    data.put("placement", "hero");
    data.put("modelKey", "bandit");
    data.put("decidedAt", AT.toString());
    data.put("seed", -7L);
    data.put("offers", offers);
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("specversion", "1.0");
    event.put("id", "d-1");
    event.put("source", "/arbiter/tenants/acme");
    event.put("type", "decision.made.v1");
    event.put("subject", "c-1");
    event.put("time", AT.toString());
    event.put("datacontenttype", "application/json");
    event.put("data", data);
    return event;
  }
}
