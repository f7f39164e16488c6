package dev.arbiter.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.shared.Ids;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The document of an outbox row holding several events, as written and as read back. */
class EventBatchTests {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static EventBatch.Entry entry(String id, String key, String json) {
    return new EventBatch.Entry(id, key, json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void shouldReadBackEveryEventByteForByteInOrder() {
    List<EventBatch.Entry> entries = new ArrayList<>();
    for (int i = 0; i < 70; i++) {
      entries.add(
          entry(Ids.newId(), "t1:c-" + i + "-é", "{\"id\":\"" + i + "\",\"name\":\"Café ✓\"}"));
    }
    entries.add(entry(Ids.newId(), "", "")); // empty fields are fields too

    byte[] document = EventBatch.encode(entries);
    List<EventBatch.Entry> read =
        EventBatch.decode(CompressedJson.decompress(CompressedJson.compress(document)), JSON);

    assertThat(EventBatch.isBatch(document)).isTrue();
    assertThat(read).hasSize(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      assertThat(read.get(i).id()).isEqualTo(entries.get(i).id());
      assertThat(read.get(i).partitionKey()).isEqualTo(entries.get(i).partitionKey());
      assertThat(read.get(i).json()).isEqualTo(entries.get(i).json());
    }
  }

  @Test
  void shouldTellASingleEventFromABatch() {
    assertThat(EventBatch.isBatch("{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8))).isFalse();
    assertThat(EventBatch.isBatch(new byte[0])).isFalse();
    assertThatThrownBy(() -> EventBatch.decode("{}".getBytes(StandardCharsets.UTF_8), JSON))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not one");
  }

  @Test
  void shouldRefuseATruncatedOrCorruptBatchRatherThanReadPartOfIt() {
    byte[] document =
        EventBatch.encode(List.of(entry("a", "k", "{\"a\":1}"), entry("b", "k", "{}")));
    for (int cut = 2; cut < document.length; cut++) {
      byte[] truncated = Arrays.copyOf(document, cut);
      if (cut == 1 + 4 + 1 + 4 + 1 + 4 + 7) {
        continue; // ends exactly after the first event: a whole batch of one
      }
      assertThatThrownBy(() -> EventBatch.decode(truncated, JSON))
          .as("cut at %d", cut)
          .isInstanceOf(IllegalArgumentException.class);
    }
    byte[] corrupt = document.clone();
    corrupt[1] = 0x7f; // the first field's length: far beyond the document
    assertThatThrownBy(() -> EventBatch.decode(corrupt, JSON))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("claims");
  }

  @Test
  void shouldBoundTheRowsThatCanHoldAnEventByItsTimestamp() {
    String id = "019aeb2c-1234-7abc-8def-0123456789ab";
    long millis = EventBatch.millisOf(id);
    assertThat(millis).isEqualTo(0x019aeb2c1234L);

    String lowest = EventBatch.lowestRowId(id);

    assertThat(EventBatch.millisOf(lowest)).isEqualTo(millis - EventBatch.MAX_SPAN_MILLIS);
    assertThat(lowest).hasSize(36).isLessThan(id);
    // a row whose first id is older than the span is out of the range, one within it in
    String older = "019aeb2b-eb23-7fff-bfff-ffffffffffff"; // 10,001 ms before
    assertThat(EventBatch.millisOf(older)).isEqualTo(millis - EventBatch.MAX_SPAN_MILLIS - 1);
    assertThat(older).isLessThan(lowest);
    String within = "019aeb2b-eb24-7000-8000-000000000000"; // exactly the span before
    assertThat(within.compareTo(lowest)).isPositive();
    assertThatThrownBy(() -> EventBatch.millisOf("e-1"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldReadTheTimestampOfEveryIdTheServerMakesAndRefuseOtherText() {
    for (int i = 0; i < 1_000; i++) {
      String id = dev.arbiter.shared.Ids.newId();
      long stamped = java.util.UUID.fromString(id).getMostSignificantBits() >>> 16;
      assertThat(EventBatch.millisOf(id)).isEqualTo(stamped);
    }
    for (String notAUuid :
        new String[] {
          "019aeb2g-1234-7abc",
          "-19aeb2c-1234-7abc",
          "019aeb2c-12 4-7abc",
          "019aeb2\uff10-1234-7abc"
        }) {
      assertThatThrownBy(() -> EventBatch.millisOf(notAUuid))
          .as(notAUuid)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  /** A compact batch of three small events: one with a shared key, a name twice, a null. */
  private static byte[] compactBatch() {
    EventBatch.CompactBatch batch = new EventBatch.CompactBatch();
    for (int i = 0; i < 3; i++) {
      CompactJson.Sink s = batch.add("id-" + i, "t1:c-" + i);
      s.startObject();
      s.name("id");
      s.text("id-" + i);
      s.name("offer");
      s.string(i == 2 ? null : "gold");
      s.name("n");
      s.number(i);
      s.endObject();
    }
    return batch.toByteArray();
  }

  @Test
  void shouldRenderACompactBatchsEventsAsTheirJson() {
    byte[] document = compactBatch();

    List<EventBatch.Entry> read =
        EventBatch.entries(
            CompressedJson.decompress(CompressedJson.compress(document)), "row", "key", JSON);

    assertThat(EventBatch.isBatch(document)).isTrue();
    assertThat(read).extracting(EventBatch.Entry::id).containsExactly("id-0", "id-1", "id-2");
    assertThat(read)
        .extracting(EventBatch.Entry::partitionKey)
        .containsExactly("t1:c-0", "t1:c-1", "t1:c-2");
    assertThat(read)
        .extracting(e -> new String(e.json(), StandardCharsets.UTF_8))
        .containsExactly(
            "{\"id\":\"id-0\",\"offer\":\"gold\",\"n\":0}",
            "{\"id\":\"id-1\",\"offer\":\"gold\",\"n\":1}",
            "{\"id\":\"id-2\",\"offer\":null,\"n\":2}");
  }

  @Test
  void shouldRefuseATruncatedCompactBatchWhereverItIsCut() {
    byte[] document = compactBatch();
    // a batch ends only after an event's last token: every other cut leaves a part of one
    List<Integer> wholes = new ArrayList<>();
    for (int cut = 1; cut < document.length; cut++) {
      byte[] truncated = Arrays.copyOf(document, cut);
      try {
        wholes.add(EventBatch.decode(truncated, JSON).size());
      } catch (IllegalArgumentException e) {
        assertThat(e).hasMessageContaining("Corrupt compact");
      }
    }
    assertThat(wholes).containsExactly(0, 1, 2);
  }
}
