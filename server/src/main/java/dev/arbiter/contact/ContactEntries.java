package dev.arbiter.contact;

import dev.arbiter.engine.policy.ContactEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The list rules both stores share (merge by id, horizon, cap, newest first) and the compact
 * encoding of an event in Redis: {@code <epoch millis, base 36>␟<outcome>␟<offer>␟<category>␟
 * <channel>} with {@code ␟} = U+001F and an empty field for null.
 */
final class ContactEntries {
  static final char SEPARATOR = '\u001f';

  /** Newest first; equal times by id so the order (and what the cap drops) is deterministic. */
  static final Comparator<ContactEntry> NEWEST_FIRST =
      (a, b) -> {
        int byTime = b.event().time().compareTo(a.event().time());
        return byTime != 0 ? byTime : b.id().compareTo(a.id());
      };

  private ContactEntries() {}

  /**
   * Whether the cap of {@code decision} entries applies to {@code e}, rather than the cap of
   * interactions. The two kinds are capped apart: for a tenant whose policies count decisions, a
   * customer shown offers many times would otherwise have their older impressions and rejects
   * pushed out of the list by the offers of each decision, and an impression cap undercount.
   */
  static boolean isDecision(ContactEntry e) {
    return ContactEntry.DECISION.equals(e.event().outcome());
  }

  /**
   * Whether appending {@code entries} moves a list's version on ({@link
   * ContactHistoryStore#appendDecisions}): when any is a decision entry, so a decision that read
   * the list before finds it changed, whether these came with a check or not (after a decision's
   * last attempt, or replayed after an outage).
   */
  static boolean hasDecisions(List<ContactEntry> entries) {
    for (ContactEntry e : entries) {
      if (!e.durable()) {
        return true;
      }
    }
    return false;
  }

  /** Room left under the cap, per kind, while a newest-first list is walked. */
  static final class Room {
    private final int cap;
    private int decisions;
    private int interactions;

    Room(int cap) {
      this.cap = cap;
    }

    /** Takes a place for {@code e} if its kind has one left. */
    boolean admit(ContactEntry e) {
      if (isDecision(e)) {
        if (decisions == cap) {
          return false;
        }
        decisions++;
      } else {
        if (interactions == cap) {
          return false;
        }
        interactions++;
      }
      return true;
    }

    /** Whether neither kind has room left. */
    boolean full() {
      return decisions == cap && interactions == cap;
    }
  }

  /**
   * The first entries of newest-first {@code entries} that fit the cap: at most {@code cap} of each
   * kind ({@link #isDecision}), in order.
   */
  static List<ContactEntry> capped(List<ContactEntry> entries, int cap) {
    if (entries.size() <= cap) {
      return entries;
    }
    Room room = new Room(cap);
    List<ContactEntry> kept = new ArrayList<>(Math.min(entries.size(), 2 * cap));
    for (ContactEntry e : entries) {
      if (room.admit(e)) {
        kept.add(e);
      } else if (room.full()) {
        break;
      }
    }
    return kept;
  }

  /**
   * The union of {@code held} and {@code added} by id ({@code added} wins), without entries before
   * {@code cutoff}, newest first, at most {@code cap} of each kind ({@link #isDecision}).
   */
  static List<ContactEntry> merge(
      Collection<ContactEntry> held, Collection<ContactEntry> added, Instant cutoff, int cap) {
    List<ContactEntry> prepended = prependIfNewest(held, added, cutoff, cap);
    if (prepended != null) {
      return prepended;
    }
    Map<String, ContactEntry> byId = new HashMap<>(Math.max(16, (held.size() + added.size()) * 2));
    for (ContactEntry e : held) {
      byId.put(e.id(), e);
    }
    for (ContactEntry e : added) {
      byId.put(e.id(), e);
    }
    List<ContactEntry> merged = new ArrayList<>(byId.size());
    for (ContactEntry e : byId.values()) {
      if (!e.event().time().isBefore(cutoff)) {
        merged.add(e);
      }
    }
    merged.sort(NEWEST_FIRST);
    return List.copyOf(capped(merged, cap));
  }

  /**
   * The common case of {@link #merge} without hashing and sorting the whole list: every added entry
   * is strictly newer than everything held (a decision just made, an outcome just recorded), so the
   * result is the added entries, newest first, then the held ones, cut at the horizon and the cap.
   * No added entry can be held already: an entry's time never changes, and each is newer than every
   * held one. Costs one copy of the list. Null when that case does not apply.
   */
  private static List<ContactEntry> prependIfNewest(
      Collection<ContactEntry> held, Collection<ContactEntry> added, Instant cutoff, int cap) {
    if (!(held instanceof List<ContactEntry> list) || added.isEmpty()) {
      return null;
    }
    ContactEntry[] news = added.toArray(new ContactEntry[0]);
    java.util.Arrays.sort(news, NEWEST_FIRST);
    if (!list.isEmpty()
        && !news[news.length - 1].event().time().isAfter(list.get(0).event().time())) {
      return null;
    }
    for (int i = 1; i < news.length; i++) {
      if (news[i].id().equals(news[i - 1].id())) {
        return null;
      }
    }
    ContactEntry[] out = new ContactEntry[Math.min(2 * cap, news.length + list.size())];
    Room room = new Room(cap);
    int n = admit(java.util.Arrays.asList(news), cutoff, room, out, 0);
    n = admit(list, cutoff, room, out, n);
    return frozen(out, n);
  }

  /**
   * Appends to {@code out} from position {@code n} the entries of newest-first {@code entries} that
   * {@code room} admits, up to the first one before {@code cutoff}; returns the new length.
   */
  private static int admit(
      List<ContactEntry> entries, Instant cutoff, Room room, ContactEntry[] out, int n) {
    for (ContactEntry e : entries) {
      if (room.full() || e.event().time().isBefore(cutoff)) {
        break;
      }
      if (room.admit(e)) {
        out[n++] = e;
      }
    }
    return n;
  }

  /**
   * The first {@code n} elements of {@code array} as an unmodifiable list, copying only if short.
   */
  private static <T> List<T> frozen(T[] array, int n) {
    return java.util.Collections.unmodifiableList(
        java.util.Arrays.asList(n == array.length ? array : java.util.Arrays.copyOf(array, n)));
  }

  /** The events of {@code entries}, in their order. */
  static List<ContactEvent> events(List<ContactEntry> entries) {
    ContactEvent[] events = new ContactEvent[entries.size()];
    int n = 0;
    for (ContactEntry e : entries) {
      events[n++] = e.event();
    }
    return frozen(events, n);
  }

  static String encode(ContactEvent event) {
    StringBuilder b = new StringBuilder(48);
    b.append(Long.toString(event.time().toEpochMilli(), 36));
    field(b, event.outcome());
    field(b, event.offerKey());
    field(b, event.category());
    field(b, event.channel());
    return b.toString();
  }

  /**
   * The event encoded by {@link #encode}.
   *
   * @throws IllegalArgumentException when {@code value} is not such an encoding
   */
  static ContactEvent decode(String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    ContactEvent event = decode(bytes, 0, bytes.length);
    if (event == null) {
      throw new IllegalArgumentException("Expected a contact entry, but got: " + value);
    }
    return event;
  }

  /**
   * The event encoded by {@link #encode} in the UTF-8 bytes between {@code value}'s position and
   * limit (which it leaves as they are), or null when they are not such an encoding.
   */
  static ContactEvent decode(ByteBuffer value) {
    byte[] bytes = new byte[value.remaining()];
    value.get(value.position(), bytes);
    return decode(bytes, 0, bytes.length);
  }

  /**
   * The event encoded by {@link #encode} in the UTF-8 bytes {@code value[from, to)}, or null when
   * they are not such an encoding. Strings that recur from entry to entry (outcomes, offer keys,
   * categories, channels) are taken from {@link #RECURRING} rather than made again.
   */
  static ContactEvent decode(byte[] value, int from, int to) {
    int i = from;
    boolean negative = i < to && value[i] == '-';
    if (negative || (i < to && value[i] == '+')) {
      i++;
    }
    long millis = 0;
    int digits = 0;
    for (; i < to && value[i] != SEPARATOR; i++, digits++) {
      int digit = Character.digit(value[i], 36);
      // 12 digits of base 36 (up to 4.7e18 ms) cannot overflow a long; times take 8 until 2059
      if (digit < 0 || digits == 12) {
        return null;
      }
      millis = millis * 36 + digit;
    }
    if (digits == 0) {
      return null;
    }
    String[] parts = new String[4];
    for (int f = 0; f < 4; f++) {
      if (i == to) {
        return null; // fewer than five fields
      }
      int start = i + 1;
      int stop = to; // the channel is the rest, as decode(String) always read it
      if (f < 3) {
        stop = start;
        while (stop < to && value[stop] != SEPARATOR) {
          stop++;
        }
      }
      parts[f] = recurring(value, start, stop);
      i = stop;
    }
    return new ContactEvent(
        parts[0] == null ? "" : parts[0],
        parts[1],
        parts[2],
        parts[3],
        Instant.ofEpochMilli(negative ? -millis : millis));
  }

  /** A string read before, with its UTF-8 bytes. */
  private record Seen(byte[] bytes, String text) {}

  /**
   * Strings read from entries before, by a hash of their bytes: one slot each, the last one read
   * wins. Slots are written without locking; a reader sees a whole {@link Seen} or the previous one
   * (its fields are final), and compares its bytes before taking it.
   */
  private static final Seen[] RECURRING = new Seen[4096];

  /** The string in UTF-8 {@code bytes[from, to)}; null when empty. */
  private static String recurring(byte[] bytes, int from, int to) {
    if (from == to) {
      return null;
    }
    int hash = 0;
    for (int k = from; k < to; k++) {
      hash = 31 * hash + bytes[k];
    }
    int slot = (hash ^ (hash >>> 12)) & (RECURRING.length - 1);
    Seen seen = RECURRING[slot];
    if (seen != null && Arrays.equals(seen.bytes, 0, seen.bytes.length, bytes, from, to)) {
      return seen.text;
    }
    byte[] copy = Arrays.copyOfRange(bytes, from, to);
    String text = new String(copy, StandardCharsets.UTF_8);
    RECURRING[slot] = new Seen(copy, text);
    return text;
  }

  /**
   * Sorts {@code entries} {@link #NEWEST_FIRST}, by their times as primitive keys: the comparator
   * walks three objects per side for each comparison, which showed in profiles for a customer's
   * hundreds of entries read at every decision. Equal times, common (the offers of one decision),
   * are then ordered by id as the comparator does.
   */
  static void sortNewestFirst(List<ContactEntry> entries) {
    int n = entries.size();
    if (n < 2) {
      return;
    }
    long[] keys = new long[n];
    for (int i = 0; i < n; i++) {
      long millis = entries.get(i).event().time().toEpochMilli();
      if (millis < 0 || millis >= 1L << (63 - INDEX_BITS) || n > 1 << INDEX_BITS) {
        entries.sort(NEWEST_FIRST); // before 1970, after 2248, or a list far over any cap
        return;
      }
      keys[i] = millis << INDEX_BITS | i;
    }
    Arrays.sort(keys);
    ContactEntry[] sorted = new ContactEntry[n];
    for (int i = 0; i < n; i++) {
      sorted[i] = entries.get((int) (keys[n - 1 - i] & ((1 << INDEX_BITS) - 1)));
    }
    int run = 0;
    for (int i = 1; i <= n; i++) {
      if (i == n || keys[n - 1 - i] >>> INDEX_BITS != keys[n - 1 - run] >>> INDEX_BITS) {
        if (i - run > 1) {
          Arrays.sort(sorted, run, i, NEWEST_FIRST); // same millisecond: by time, then id
        }
        run = i;
      }
    }
    for (int i = 0; i < n; i++) {
      entries.set(i, sorted[i]);
    }
  }

  /** Low bits of a {@link #sortNewestFirst} key that hold the entry's index. */
  private static final int INDEX_BITS = 20;

  private static void field(StringBuilder b, String value) {
    b.append(SEPARATOR);
    if (value != null) {
      // A separator inside a value would shift the fields; none is expected in keys or channels.
      b.append(value.indexOf(SEPARATOR) < 0 ? value : value.replace(SEPARATOR, ' '));
    }
  }
}
