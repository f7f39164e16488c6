package dev.arbiter.contact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.engine.policy.ContactEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A customer's list as {@link ContactListOutput} collects it from a reply's fields and values. */
class ContactListOutputTests {
  private final Instant cutoff = Instant.parse("2026-09-01T00:00:00.000400Z");

  @Test
  void shouldLeaveOutEntriesBeforeTheCutoffToTheMillisecond() {
    ContactListOutput.Fields fields = new ContactListOutput.Fields(cutoff);
    ContactEvent same = event(Instant.parse("2026-09-01T00:00:00.000Z")); // before, in its ms
    ContactEvent next = event(Instant.parse("2026-09-01T00:00:00.001Z"));
    fields.add("d:same", ContactEntries.encode(same));
    fields.add("d:next", ContactEntries.encode(next));

    assertThat(fields.entries()).containsExactly(new ContactEntry("d:next", next));
    ContactListOutput.Fields exact = new ContactListOutput.Fields(same.time());
    exact.add("d:same", ContactEntries.encode(same));
    assertThat(exact.entries()).hasSize(1);
  }

  @Test
  void shouldCopyValuesWithoutMovingTheReplysBufferAndKeepEveryOne() {
    ContactListOutput.Fields fields = new ContactListOutput.Fields(cutoff);
    List<ContactEntry> expected = new ArrayList<>();
    for (int i = 0; i < 700; i++) { // more than the first arrays hold
      ContactEvent e = event(Instant.ofEpochMilli(cutoff.toEpochMilli() + 1000L * (i + 1)));
      ByteBuffer value = ByteBuffer.wrap(ContactEntries.encode(e).getBytes(StandardCharsets.UTF_8));
      fields.add("d:" + i, value);
      assertThat(value.position()).isZero();
      expected.add(new ContactEntry("d:" + i, e));
    }
    ByteBuffer marker = ByteBuffer.wrap("h1c2".getBytes(StandardCharsets.UTF_8));
    fields.add(RedisContactHistoryStore.LOADED, marker);
    assertThat(marker.position()).isZero();
    fields.add("d:torn", "kz1\u001fdecision");

    assertThat(fields.loaded).isEqualTo("h1c2");
    assertThat(fields.entries()).containsExactlyElementsOf(expected);
    assertThat(fields.unreadable).isEqualTo(1);
  }

  private static ContactEvent event(Instant at) {
    return new ContactEvent("decision", "gold-card", "cards", "web", at);
  }
}
