package dev.arbiter.contact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.engine.policy.ContactEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContactEntriesTests {
  private final Instant t = Instant.parse("2026-11-23T10:15:30.123Z");

  @Test
  void shouldRoundTripAnEventThroughTheCompactEncoding() {
    ContactEvent full = new ContactEvent("impression", "gold-card", "cards", "web", t);
    ContactEvent sparse = new ContactEvent("reject", null, null, null, t);

    assertThat(ContactEntries.decode(ContactEntries.encode(full))).isEqualTo(full);
    assertThat(ContactEntries.decode(ContactEntries.encode(sparse))).isEqualTo(sparse);
    assertThat(ContactEntries.encode(sparse))
        .hasSize(Long.toString(t.toEpochMilli(), 36).length() + 10);
  }

  @Test
  void shouldDecodeAnEventFromBytesInPlace() {
    ContactEvent event = new ContactEvent("impression", "carte-café", "cartes", "app web", t);
    byte[] encoded = ContactEntries.encode(event).getBytes(StandardCharsets.UTF_8);
    // as Lettuce hands a value over: a slice of a larger, direct buffer
    ByteBuffer reply = ByteBuffer.allocateDirect(encoded.length + 8);
    reply.position(4).put(encoded).position(4).limit(4 + encoded.length);

    assertThat(ContactEntries.decode(reply)).isEqualTo(event);
    assertThat(reply.position()).isEqualTo(4);
    assertThat(reply.limit()).isEqualTo(4 + encoded.length);
    // values that recur are not made again
    ContactEvent again = ContactEntries.decode(reply);
    assertThat(again.outcome()).isSameAs(ContactEntries.decode(reply).outcome());
    assertThat(again.category()).isSameAs(ContactEntries.decode(reply).category());
  }

  @Test
  void shouldReadNothingFromWhatIsNotAnEncodedEvent() {
    String sep = "\u001f";
    for (String bad :
        new String[] {
          "",
          "kz1",
          "kz1" + sep + "impression" + sep + "o" + sep + "c",
          sep + "impression" + sep + "o" + sep + "c" + sep + "web",
          "k!1" + sep + "impression" + sep + "o" + sep + "c" + sep + "web",
          "zzzzzzzzzzzzz" + sep + "impression" + sep + "o" + sep + "c" + sep + "web",
          "v2|whatever"
        }) {
      assertThat(ContactEntries.decode(ByteBuffer.wrap(bad.getBytes(StandardCharsets.UTF_8))))
          .as(bad)
          .isNull();
      assertThatThrownBy(() -> ContactEntries.decode(bad))
          .isInstanceOf(IllegalArgumentException.class);
    }
    // the channel is the rest of the value, separators and all, as it always was read
    assertThat(
            ContactEntries.decode("kz1" + sep + "reject" + sep + sep + sep + "web" + sep + "x")
                .channel())
        .isEqualTo("web" + sep + "x");
  }

  @Test
  void shouldSortNewestFirstAsTheComparatorDoes() {
    java.util.Random random = new java.util.Random(42);
    for (int round = 0; round < 200; round++) {
      List<ContactEntry> entries = new java.util.ArrayList<>();
      int n = random.nextInt(300);
      for (int i = 0; i < n; i++) {
        // few distinct times, so that many entries share one (the offers of one decision), some
        // apart by less than a millisecond
        Instant at = t.plusMillis(random.nextInt(20)).plusNanos(random.nextInt(3) * 1000L);
        entries.add(
            new ContactEntry(
                "d:" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36),
                new ContactEvent("decision", "o" + random.nextInt(5), null, null, at)));
      }
      if (round % 10 == 0 && n > 0) {
        entries.set(0, entry("before-1970", -t.getEpochSecond() - 10)); // the comparator's way
      }
      List<ContactEntry> expected = new java.util.ArrayList<>(entries);
      expected.sort(ContactEntries.NEWEST_FIRST);
      ContactEntries.sortNewestFirst(entries);
      assertThat(entries).as("round %d", round).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void shouldMergeByIdDropOldEntriesAndKeepTheNewestUpToTheCap() {
    ContactEntry a = entry("a", 1);
    ContactEntry b = entry("b", 2);
    ContactEntry c = entry("c", 3);
    ContactEntry old = entry("old", -100);

    List<ContactEntry> merged =
        ContactEntries.merge(List.of(a, b, old), List.of(b, c), t.minusSeconds(50), 2);

    assertThat(merged).containsExactly(c, b);
  }

  @Test
  void shouldKeepDecisionAndInteractionEntriesApart() {
    ContactEvent decision = new ContactEvent("decision", "gold-card", null, null, t);
    ContactEvent click = new ContactEvent("click", "gold-card", null, null, t);

    assertThat(ContactEntry.decision(decision).durable()).isFalse();
    assertThat(ContactEntry.decision(decision).id())
        .isNotEqualTo(ContactEntry.decision(decision).id());
    assertThat(ContactEntry.interaction("0190a0b2-0000-7000-8000-000000000000", click).durable())
        .isTrue();
    assertThatThrownBy(() -> ContactEntry.interaction("x", decision))
        .hasMessageContaining("store-only");
    assertThatThrownBy(() -> ContactEntry.decision(click)).hasMessageContaining("decision");
    assertThatThrownBy(() -> new ContactEntry("!", click)).hasMessageContaining("entry id");
    assertThatThrownBy(() -> new ContactEntry("#", click)).hasMessageContaining("entry id");
  }

  private ContactEntry entry(String id, long seconds) {
    return new ContactEntry(
        id, new ContactEvent("impression", "o", null, null, t.plusSeconds(seconds)));
  }
}
