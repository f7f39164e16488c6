package dev.arbiter.db;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * The document of an outbox row that holds several events (since V12): each event's id, Kafka key
 * and CloudEvent JSON, framed so that a reader takes the JSON bytes out as they were written,
 * without parsing them, and compressed together ({@link CompressedJson}). A row of one event holds
 * the CloudEvent itself; the two are told apart by the first byte, {@link #FORMAT} against a JSON
 * object's {@code '{'}.
 *
 * <p>Layout, uncompressed: the byte {@link #FORMAT}, then per event three fields, each a 4-byte
 * big-endian length and that many bytes: the id (UTF-8), the key (UTF-8), the CloudEvent (JSON,
 * UTF-8). Ids are in ascending order.
 *
 * <p>Since the compact encoding of decision events, a batch may also be {@link #COMPACT}: the byte
 * {@link #COMPACT}, then per event its id and key (strings) and its CloudEvent as one {@link
 * CompactJson} stream shared by the row's events. A reader renders each event's JSON from it ({@link
 * #entries(byte[], String, String, JsonMapper)}), the bytes the writer's mapper would have written.
 * A row of one event is never compact: nodes built before it read such a row as one CloudEvent, and
 * fail on a compact row of several (its event count does not match) rather than publish it.
 *
 * <p>A row's events span at most {@link #MAX_SPAN_MILLIS} of their ids' UUIDv7 timestamps, so a
 * lookup of one event by id reads only the rows whose first id falls in the span before it ({@link
 * #lowestRowId}).
 */
public final class EventBatch {
  /** The first byte of a batch; a single event's document starts with {@code '{'}. */
  public static final byte FORMAT = 1;

  /** The first byte of a batch whose events are {@link CompactJson}. */
  public static final byte COMPACT = 2;

  /** The longest time between the first and the last event id of one row. */
  public static final long MAX_SPAN_MILLIS = 10_000;

  /** An event of a batch. */
  public record Entry(String id, String partitionKey, byte[] json) {}

  private EventBatch() {}

  /** Whether an uncompressed row document is a batch of either form (else it is one CloudEvent). */
  public static boolean isBatch(byte[] document) {
    return document.length > 0 && (document[0] == FORMAT || document[0] == COMPACT);
  }

  /**
   * A {@link #COMPACT} batch being built, event by event; not thread-safe.
   *
   * <p>Usage: per event, {@link #add} its id and key, then write its CloudEvent to the sink that
   * returns; {@link #toByteArray()} when done.
   */
  public static final class CompactBatch {
    private final CompactJson.Writer writer = new CompactJson.Writer();
    private int count;

    public CompactBatch() {
      writer.raw(COMPACT);
    }

    /** Starts an event: where its CloudEvent, one JSON object, is to be written next. */
    public CompactJson.Sink add(String id, String partitionKey) {
      writer.text(id);
      writer.text(partitionKey);
      count++;
      return writer;
    }

    /** Events added. */
    public int count() {
      return count;
    }

    /** Bytes written so far. */
    public int size() {
      return writer.size();
    }

    /** The uncompressed document of a row holding the events added. */
    public byte[] toByteArray() {
      return writer.toByteArray();
    }
  }

  /** The uncompressed document of a row holding {@code entries}, in their order. */
  public static byte[] encode(List<Entry> entries) {
    int size = 1;
    List<byte[]> ids = new ArrayList<>(entries.size());
    List<byte[]> keys = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      byte[] id = e.id().getBytes(StandardCharsets.UTF_8);
      byte[] key = e.partitionKey().getBytes(StandardCharsets.UTF_8);
      ids.add(id);
      keys.add(key);
      size += 12 + id.length + key.length + e.json().length;
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    out.put(FORMAT);
    for (int i = 0; i < entries.size(); i++) {
      put(out, ids.get(i));
      put(out, keys.get(i));
      put(out, entries.get(i).json());
    }
    return out.array();
  }

  private static void put(ByteBuffer out, byte[] field) {
    out.putInt(field.length);
    out.put(field);
  }

  /**
   * The events of a row's uncompressed document: its batch, or the one event it is, whose id and
   * key are the row's. The JSON of a {@link #COMPACT} batch's events is written by {@code json}:
   * pass the mapper events are written with.
   *
   * @throws IllegalArgumentException when {@code document} is a batch but not a whole one
   */
  public static List<Entry> entries(byte[] document, String rowId, String rowKey, JsonMapper json) {
    return isBatch(document) ? decode(document, json) : List.of(new Entry(rowId, rowKey, document));
  }

  /**
   * The events of a batch document of either form, the JSON of compact ones written by {@code
   * json}.
   *
   * @throws IllegalArgumentException when {@code document} is not a whole batch
   */
  public static List<Entry> decode(byte[] document, JsonMapper json) {
    if (document.length > 0 && document[0] == COMPACT) {
      return decodeCompact(document, json);
    }
    if (document.length == 0 || document[0] != FORMAT) {
      throw new IllegalArgumentException(
          "Expected an event batch (format "
              + FORMAT
              + " or "
              + COMPACT
              + "), but the document is not one");
    }
    ByteBuffer in = ByteBuffer.wrap(document, 1, document.length - 1);
    List<Entry> entries = new ArrayList<>();
    while (in.hasRemaining()) {
      String id = new String(field(in), StandardCharsets.UTF_8);
      String key = new String(field(in), StandardCharsets.UTF_8);
      entries.add(new Entry(id, key, field(in)));
    }
    return entries;
  }

  private static List<Entry> decodeCompact(byte[] document, JsonMapper json) {
    CompactJson.Reader in = new CompactJson.Reader(document, 1);
    List<Entry> entries = new ArrayList<>();
    ByteArrayOutputStream out = new ByteArrayOutputStream(2048);
    while (in.hasMore()) {
      String id = in.string();
      String key = in.string();
      out.reset();
      try (JsonGenerator g = json.createGenerator(out)) {
        in.copyDocument(g);
      } catch (JacksonException e) {
        // tokens in an order JSON does not allow (a value where a name belongs): corrupt
        throw new IllegalArgumentException(
            "Corrupt compact event batch: event " + id + " is not a JSON document", e);
      }
      entries.add(new Entry(id, key, out.toByteArray()));
    }
    return entries;
  }

  private static byte[] field(ByteBuffer in) {
    if (in.remaining() < 4) {
      throw new IllegalArgumentException("Truncated event batch: a field's length is cut off");
    }
    int length = in.getInt();
    if (length < 0 || length > in.remaining()) {
      throw new IllegalArgumentException(
          "Corrupt event batch: a field claims "
              + length
              + " bytes where "
              + in.remaining()
              + " are left");
    }
    byte[] field = new byte[length];
    in.get(field);
    return field;
  }

  /**
   * The millisecond timestamp of a UUIDv7 id (its first 48 bits), read in place: the decision log
   * reads it of every event it writes.
   */
  public static long millisOf(String uuidV7) {
    if (uuidV7.length() < 13 || uuidV7.charAt(8) != '-') {
      throw new IllegalArgumentException("not a UUID: " + uuidV7);
    }
    long millis = 0;
    for (int i = 0; i < 13; i++) {
      if (i != 8) {
        int digit = hexDigit(uuidV7.charAt(i));
        if (digit < 0) {
          throw new IllegalArgumentException("not a UUID: " + uuidV7);
        }
        millis = millis << 4 | digit;
      }
    }
    return millis;
  }

  /**
   * An ASCII hex digit's value, or -1 (where {@link Character#digit} also takes other scripts').
   */
  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  }

  /** What {@code lowestRowId} reads as a UUID, as V12's {@code outbox_lowest_row_id} does. */
  private static final java.util.regex.Pattern UUID_PREFIX =
      java.util.regex.Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-");

  /**
   * The least row id a row holding event {@code id} can have: a UUID whose timestamp is {@link
   * #MAX_SPAN_MILLIS} before the event's, and whose other bits are zero. Ids compare as text in the
   * order of their timestamps (lower-case hex of a fixed width). An id that is not a UUID can only
   * be a row's own: it is its own lowest. The SQL function {@code outbox_lowest_row_id} (V12)
   * computes the same.
   */
  public static String lowestRowId(String id) {
    if (!UUID_PREFIX.matcher(id).find()) {
      return id;
    }
    long from = Math.max(0, millisOf(id) - MAX_SPAN_MILLIS);
    String hex = String.format("%012x", from);
    return hex.substring(0, 8) + "-" + hex.substring(8) + "-0000-0000-000000000000";
  }
}
