package dev.arbiter.contact;

import dev.arbiter.engine.policy.ContactEvent;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.CommandOutput;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A customer's list in Redis read from the reply to {@code HGETALL} (or the merge script's) as it
 * arrives: each field and value is decoded from Redis's bytes into an entry at once, without the
 * map of strings a generic reply makes first. A customer whose policies count decisions holds
 * hundreds of entries, which every decision reads: decoding them twice cost more than the rest of
 * the read (bench/RESULTS.md). Runs on Lettuce's event loop, so it never throws: a value it cannot
 * read is counted and left out.
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

    /** The entries at or after the cutoff, in the hash's order. */
    final List<ContactEntry> entries = new ArrayList<>();

    /** Whether the hash holds the loaded marker ({@link RedisContactHistoryStore#LOADED}). */
    boolean loaded;

    /** The value of the version field ({@link RedisContactHistoryStore#VERSION}), or null. */
    String version;

    /** Fields that are not an entry this node can read (another format, or damaged). */
    int unreadable;

    /** Where each value is copied to be read (heap arrays read faster than Netty's buffers). */
    private byte[] scratch = new byte[128];

    /**
     * @param cutoff entries before this are left out (entries hold whole milliseconds: those of the
     *     millisecond it falls in, before it, too)
     */
    Fields(Instant cutoff) {
      long millis = cutoff.toEpochMilli(); // rounded down
      this.cutoffMillis = cutoff.getNano() % 1_000_000 == 0 ? millis : millis + 1;
    }

    /** Adds one field and its value as {@link ContactListOutput} reads them from the reply. */
    void add(String field, ByteBuffer value) {
      if (field.equals(RedisContactHistoryStore.LOADED)) {
        loaded = true;
      } else if (field.equals(RedisContactHistoryStore.VERSION)) {
        version = StandardCharsets.UTF_8.decode(value.duplicate()).toString();
      } else {
        int n = value.remaining();
        if (n > scratch.length) {
          scratch = new byte[Math.max(n, 2 * scratch.length)];
        }
        value.get(value.position(), scratch, 0, n);
        ContactEvent event = ContactEntries.decode(scratch, 0, n);
        if (event == null || field.isEmpty()) {
          unreadable++;
        } else if (event.time().toEpochMilli() >= cutoffMillis) {
          entries.add(new ContactEntry(field, event));
        }
      }
    }

    /** {@link #add(String, ByteBuffer)} of a field and value already made strings. */
    void add(String field, String value) {
      add(field, ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)));
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

  /** The UTF-8 string in {@code bytes}, built from one copy when it is ASCII (ids are). */
  private static String text(ByteBuffer bytes) {
    byte[] copy = new byte[bytes.remaining()];
    bytes.get(bytes.position(), copy);
    for (byte b : copy) {
      if (b < 0) {
        return new String(copy, StandardCharsets.UTF_8);
      }
    }
    return new String(copy, StandardCharsets.ISO_8859_1);
  }
}
