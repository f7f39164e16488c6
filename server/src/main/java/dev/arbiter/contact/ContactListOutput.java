package dev.arbiter.contact;

import dev.arbiter.engine.policy.ContactEvent;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.CommandOutput;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A customer's list in Redis read from the reply to {@code HGETALL} (or the merge script's) as it
 * arrives, without the map of strings a generic reply makes: on Lettuce's event loop each field
 * becomes an id and each value is copied into one array; {@link Fields#entries()} then decodes them
 * on the caller's thread (one event loop serves all of a node's reads, so the decoding is spread
 * over the threads asking). A customer whose policies count decisions holds hundreds of entries,
 * which every decision reads: the map's strings, then five more per value, cost more than the rest
 * of the read (bench/RESULTS.md). Never throws on the event loop: a value that is not an entry is
 * counted and left out.
 */
final class ContactListOutput extends CommandOutput<String, String, ContactListOutput.Fields> {
  private boolean hasField;
  private String field;

  /**
   * @param cutoff entries before this are left out
   */
  ContactListOutput(Instant cutoff) {
    super(StringCodec.UTF8, new Fields(cutoff));
  }

  /** What a customer's hash holds, as read. Not thread-safe; read once the reply is complete. */
  static final class Fields {
    private final long cutoffMillis;

    /** The loaded marker's value ({@link RedisContactHistoryStore#LOADED}), or null. */
    String loaded;

    /** The value of the version field ({@link RedisContactHistoryStore#VERSION}), or null. */
    String version;

    /** Fields that are not an entry this node can read (damaged), once {@link #entries} ran. */
    int unreadable;

    // empty until a value comes: a list read only for its marker (no policy counts decisions)
    // allocates nothing more
    private String[] ids = new String[0];

    /** Where each value ends in {@link #values}; each starts where the one before ends. */
    private int[] ends = new int[0];

    private byte[] values = new byte[0];
    private int count;

    /**
     * @param cutoff entries before this are left out (entries hold whole milliseconds: those of the
     *     millisecond it falls in, before it, too)
     */
    Fields(Instant cutoff) {
      long millis = cutoff.toEpochMilli(); // rounded down
      this.cutoffMillis = cutoff.getNano() % 1_000_000 == 0 ? millis : millis + 1;
    }

    /**
     * Adds one field and its value as {@link ContactListOutput} reads them from the reply: copies
     * the value (leaving {@code value}'s position), decoded by {@link #entries}.
     */
    void add(String field, ByteBuffer value) {
      if (field.equals(RedisContactHistoryStore.LOADED)) {
        loaded = StandardCharsets.UTF_8.decode(value.duplicate()).toString();
      } else if (field.equals(RedisContactHistoryStore.VERSION)) {
        version = StandardCharsets.UTF_8.decode(value.duplicate()).toString();
      } else {
        int n = value.remaining();
        int start = count == 0 ? 0 : ends[count - 1];
        if (start + n > values.length) {
          values = Arrays.copyOf(values, Math.max(start + n, Math.max(1024, 2 * values.length)));
        }
        if (count == ids.length) {
          ids = Arrays.copyOf(ids, Math.max(16, 2 * count));
          ends = Arrays.copyOf(ends, Math.max(16, 2 * count));
        }
        value.get(value.position(), values, start, n);
        ids[count] = field;
        ends[count++] = start + n;
      }
    }

    /** {@link #add(String, ByteBuffer)} of a field and value already made strings. */
    void add(String field, String value) {
      add(field, ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The entries at or after the cutoff, in the hash's order, decoded from the values copied;
     * counts the values that are not an entry in {@link #unreadable}. Call once.
     */
    List<ContactEntry> entries() {
      List<ContactEntry> entries = new ArrayList<>(count);
      int start = 0;
      for (int i = 0; i < count; i++) {
        ContactEvent event = ContactEntries.decode(values, start, ends[i]);
        start = ends[i];
        if (event == null || ids[i].isEmpty()) {
          unreadable++;
        } else if (event.time().toEpochMilli() >= cutoffMillis) {
          entries.add(new ContactEntry(ids[i], event));
        }
      }
      return entries;
    }
  }

  @Override
  public void set(ByteBuffer bytes) {
    if (!hasField) {
      hasField = true;
      field = bytes == null ? null : text(bytes);
      return;
    }
    hasField = false;
    if (field != null && bytes != null) {
      output.add(field, bytes);
    }
    field = null;
  }

  /** The UTF-8 string in {@code bytes} (the JDK makes an ASCII one from a single copy). */
  private static String text(ByteBuffer bytes) {
    byte[] copy = new byte[bytes.remaining()];
    bytes.get(bytes.position(), copy);
    return new String(copy, StandardCharsets.UTF_8);
  }
}
