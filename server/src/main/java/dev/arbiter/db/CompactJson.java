package dev.arbiter.db;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.io.SerializedString;

/**
 * JSON documents as a compact stream of tokens, for documents the server writes on every decision
 * and reads rarely: {@code decision.made.v1} events ({@link EventBatch#COMPACT}). Writing one is a
 * few byte copies per token, where Jackson's JSON generator formats numbers as text and checks
 * every string for characters to escape, and the row's compression then has far fewer bytes to scan
 * (bench/RESULTS.md). A reader replays the tokens into a Jackson {@link JsonGenerator}, which
 * writes the JSON bytes that the same calls on it would have written in the first place.
 *
 * <p>Layout: a sequence of tokens, each a tag byte and its operand. Names and the string values a
 * writer marks as recurring ({@link Sink#string}) are stored once per stream: the first occurrence
 * in place (added to the stream's dictionary of names or of strings), every later one as its index
 * there, in the tag byte itself for the first 96 names and 128 strings. Other string values are
 * stored in place, a lower-case UUID as its 16 bytes, and one equal to any of the stream's last
 * four such values as that one's slot. Counts and indices are unsigned LEB128 varints, {@code int}
 * and {@code long} numbers zigzag varints, {@code double}s their 8 IEEE 754 bytes (big-endian), so
 * every value reads back exactly.
 *
 * <p>Not thread-safe: a {@link Writer} or {@link Reader} belongs to one thread at a time.
 */
public final class CompactJson {
  static final int START_OBJECT = 1;
  static final int END_OBJECT = 2;
  static final int START_ARRAY = 3;
  static final int END_ARRAY = 4;

  /** A name from the dictionary: its index. */
  static final int NAME = 5;

  /** A name seen for the first time: its UTF-8 length and bytes; it joins the names. */
  static final int NEW_NAME = 6;

  /** A recurring string value from the dictionary: its index. */
  static final int STRING = 7;

  /** A recurring string value seen for the first time: length and bytes; joins the strings. */
  static final int NEW_STRING = 8;

  /** A string value stored in place: length and bytes. */
  static final int TEXT = 9;

  static final int INT = 10;
  static final int LONG = 11;
  static final int DOUBLE = 12;
  static final int TRUE = 13;
  static final int FALSE = 14;
  static final int NULL = 15;

  /** A string value that is a lower-case UUID: its 16 bytes. */
  static final int UUID = 16;

  /** A string value equal to one of the last {@link #RECENT} in place: its slot, one byte. */
  static final int AGAIN = 17;

  /** Tags from here name a name by its index in the tag: {@code tag - SMALL_NAME}. */
  static final int SMALL_NAME = 32;

  /**
   * Tags from here (unsigned) name a string by its index in the tag: {@code tag - SMALL_STRING}.
   */
  static final int SMALL_STRING = 128;

  /** The string values in place a stream remembers for {@link #AGAIN}. */
  static final int RECENT = 4;

  /** Deeper documents are refused as corrupt; the server writes three levels. */
  static final int MAX_DEPTH = 64;

  private CompactJson() {}

  /**
   * A constant name: what a {@link Writer} looks up by number rather than by hashing its text, and
   * a {@link JsonGenerator} writes pre-encoded. Create one per name, once (a static field).
   */
  public static final class Name {
    private static final AtomicInteger NEXT = new AtomicInteger();
    private final SerializedString serialized;
    private final int id;

    public Name(String value) {
      this.serialized = new SerializedString(value);
      this.id = NEXT.getAndIncrement();
    }

    public String value() {
      return serialized.getValue();
    }

    @Override
    public String toString() {
      return value();
    }
  }

  /**
   * What a JSON document is written to, token by token, as Jackson's {@link JsonGenerator} takes
   * them. A {@code null} string is written as JSON {@code null}, as Jackson writes it.
   */
  public interface Sink {
    void startObject();

    void endObject();

    void startArray();

    void endArray();

    void name(Name name);

    /** A name that is not a constant (a map's key). */
    void name(String name);

    /**
     * A string value that recurs across the documents of one stream (a key, a name, a channel):
     * stored once per stream.
     */
    void string(String value);

    /** A string value of its own document (an id, a time): stored in place. */
    void text(String value);

    void number(int value);

    void number(long value);

    void number(double value);

    void bool(boolean value);

    void nul();
  }

  /** A sink that writes JSON with Jackson's generator {@code g}. */
  public static Sink sink(JsonGenerator g) {
    return new GeneratorSink(g);
  }

  private record GeneratorSink(JsonGenerator g) implements Sink {
    @Override
    public void startObject() {
      g.writeStartObject();
    }

    @Override
    public void endObject() {
      g.writeEndObject();
    }

    @Override
    public void startArray() {
      g.writeStartArray();
    }

    @Override
    public void endArray() {
      g.writeEndArray();
    }

    @Override
    public void name(Name name) {
      g.writeName(name.serialized);
    }

    @Override
    public void name(String name) {
      g.writeName(name);
    }

    @Override
    public void string(String value) {
      g.writeString(value);
    }

    @Override
    public void text(String value) {
      g.writeString(value);
    }

    @Override
    public void number(int value) {
      g.writeNumber(value);
    }

    @Override
    public void number(long value) {
      g.writeNumber(value);
    }

    @Override
    public void number(double value) {
      g.writeNumber(value);
    }

    @Override
    public void bool(boolean value) {
      g.writeBoolean(value);
    }

    @Override
    public void nul() {
      g.writeNull();
    }
  }

  /**
   * Writes documents into one stream sharing its dictionaries. The stream may start with bytes of
   * the caller's own ({@link #raw}), such as a format byte.
   *
   * <p>A string with an unpaired surrogate (not valid Unicode, but a Java string may hold one) is
   * refused with {@link IllegalArgumentException}, after which the stream is unusable: write such
   * documents as JSON instead, where Jackson escapes it.
   */
  public static final class Writer implements Sink {
    private byte[] bytes = new byte[8192];
    private int size;

    /** By {@link Name#id}: the name's index plus one, 0 while the stream has not had it. */
    private int[] constantNames = new int[64];

    private final Map<String, Integer> names = new HashMap<>();
    private int nameCount;
    private final Map<String, Integer> strings = new HashMap<>(256);
    private final String[] recent = new String[RECENT];
    private int nextRecent;

    /** The bytes written so far. */
    public int size() {
      return size;
    }

    /** A copy of the stream written so far. */
    public byte[] toByteArray() {
      return Arrays.copyOf(bytes, size);
    }

    /** Appends {@code b} as it is, outside any token. */
    public void raw(byte b) {
      room(1);
      bytes[size++] = b;
    }

    @Override
    public void startObject() {
      raw((byte) START_OBJECT);
    }

    @Override
    public void endObject() {
      raw((byte) END_OBJECT);
    }

    @Override
    public void startArray() {
      raw((byte) START_ARRAY);
    }

    @Override
    public void endArray() {
      raw((byte) END_ARRAY);
    }

    @Override
    public void name(Name name) {
      if (name.id >= constantNames.length) {
        constantNames =
            Arrays.copyOf(constantNames, Math.max(name.id + 1, constantNames.length * 2));
      }
      int index = constantNames[name.id] - 1;
      if (index < 0) {
        // a constant and a map key of the same text are one entry
        Integer known = names.get(name.value());
        if (known == null) {
          constantNames[name.id] = addName(name.value()) + 1;
          return;
        }
        index = known;
        constantNames[name.id] = index + 1;
      }
      nameRef(index);
    }

    @Override
    public void name(String name) {
      Integer index = names.get(name);
      if (index == null) {
        addName(name);
      } else {
        nameRef(index);
      }
    }

    private int addName(String name) {
      int index = nameCount++;
      names.put(name, index);
      raw((byte) NEW_NAME);
      utf8(name);
      return index;
    }

    private void nameRef(int index) {
      if (index < SMALL_STRING - SMALL_NAME) {
        raw((byte) (SMALL_NAME + index));
      } else {
        raw((byte) NAME);
        unsigned(index);
      }
    }

    @Override
    public void string(String value) {
      if (value == null) {
        nul();
        return;
      }
      Integer index = strings.get(value);
      if (index == null) {
        strings.put(value, strings.size());
        raw((byte) NEW_STRING);
        utf8(value);
      } else if (index < 256 - SMALL_STRING) {
        raw((byte) (SMALL_STRING + index));
      } else {
        raw((byte) STRING);
        unsigned(index);
      }
    }

    @Override
    public void text(String value) {
      if (value == null) {
        nul();
        return;
      }
      for (int slot = 0; slot < RECENT; slot++) {
        if (value.equals(recent[slot])) {
          room(2);
          bytes[size++] = AGAIN;
          bytes[size++] = (byte) slot;
          return;
        }
      }
      recent[nextRecent] = value;
      nextRecent = (nextRecent + 1) % RECENT;
      if (!uuid(value)) {
        raw((byte) TEXT);
        utf8(value);
      }
    }

    /** Writes {@code value} as a {@link #UUID} token if it is a lower-case UUID. */
    private boolean uuid(String value) {
      if (value.length() != 36
          || value.charAt(8) != '-'
          || value.charAt(13) != '-'
          || value.charAt(18) != '-'
          || value.charAt(23) != '-') {
        return false;
      }
      long high = 0;
      long low = 0;
      int digits = 0;
      for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
          continue;
        }
        char c = value.charAt(i);
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) {
          return false; // upper case too: it would not read back as written
        }
        if (digits++ < 16) {
          high = high << 4 | d;
        } else {
          low = low << 4 | d;
        }
      }
      room(17);
      bytes[size++] = UUID;
      fixed64(high);
      fixed64(low);
      return true;
    }

    @Override
    public void number(int value) {
      raw((byte) INT);
      unsigned(((value << 1) ^ (value >> 31)) & 0xFFFFFFFFL);
    }

    @Override
    public void number(long value) {
      raw((byte) LONG);
      unsigned((value << 1) ^ (value >> 63));
    }

    @Override
    public void number(double value) {
      room(9);
      bytes[size++] = DOUBLE;
      fixed64(Double.doubleToRawLongBits(value));
    }

    @Override
    public void bool(boolean value) {
      raw((byte) (value ? TRUE : FALSE));
    }

    @Override
    public void nul() {
      raw((byte) NULL);
    }

    private void fixed64(long v) {
      for (int shift = 56; shift >= 0; shift -= 8) {
        bytes[size++] = (byte) (v >>> shift);
      }
    }

    private void utf8(String value) {
      wellFormed(value);
      byte[] encoded = value.getBytes(StandardCharsets.UTF_8);
      unsigned(encoded.length);
      room(encoded.length);
      System.arraycopy(encoded, 0, bytes, size, encoded.length);
      size += encoded.length;
    }

    /**
     * Refuses a string with an unpaired surrogate: UTF-8 has no bytes for one ({@code getBytes}
     * would write {@code ?}), where Jackson's generator writes it as an escape.
     */
    private static void wellFormed(String value) {
      for (int i = 0, n = value.length(); i < n; i++) {
        char c = value.charAt(i);
        if (Character.isSurrogate(c)) {
          if (Character.isHighSurrogate(c)
              && i + 1 < n
              && Character.isLowSurrogate(value.charAt(i + 1))) {
            i++;
          } else {
            throw new IllegalArgumentException(
                "Expected well-formed UTF-16, but a string has an unpaired surrogate at " + i);
          }
        }
      }
    }

    /** {@code value} as an unsigned LEB128 varint (a negative {@code long} takes 10 bytes). */
    private void unsigned(long value) {
      room(10);
      while ((value & ~0x7FL) != 0) {
        bytes[size++] = (byte) ((value & 0x7F) | 0x80);
        value >>>= 7;
      }
      bytes[size++] = (byte) value;
    }

    private void room(int more) {
      if (size + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
      }
    }
  }

  /**
   * Reads a stream a {@link Writer} wrote, document by document, from {@code offset}.
   *
   * <p>Every method throws {@link IllegalArgumentException} when the stream is truncated or
   * corrupt: an unknown tag, a length or index beyond what there is, a document nested deeper than
   * {@link #MAX_DEPTH} or closed where it was not open.
   */
  public static final class Reader {
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private final byte[] bytes;
    private int at;
    private final List<String> names = new ArrayList<>();
    private final List<String> strings = new ArrayList<>();
    private final String[] recent = new String[RECENT];
    private int nextRecent;

    public Reader(byte[] bytes, int offset) {
      if (offset < 0 || offset > bytes.length) {
        throw new IllegalArgumentException("offset " + offset + " outside " + bytes.length);
      }
      this.bytes = bytes;
      this.at = offset;
    }

    /** Whether anything is left to read. */
    public boolean hasMore() {
      return at < bytes.length;
    }

    /** A string value ({@link Writer#text} or {@link Writer#string}), not null. */
    public String string() {
      int tag = tag();
      String value = stringOperand(tag);
      if (value == null) {
        throw corrupt("expected a string, found tag " + tag);
      }
      return value;
    }

    /**
     * Writes the next document, one JSON value however nested, to {@code g}. The tokens must make
     * JSON: names only in objects, each followed by its value, closes matching their opens.
     */
    public void copyDocument(JsonGenerator g) {
      int depth = 0;
      long objects = 0; // bit d - 1 set: the container at depth d is an object
      boolean named = false; // in an object: a name was written and awaits its value
      do {
        int tag = tag();
        boolean inObject = depth > 0 && (objects >>> (depth - 1) & 1) != 0;
        if (tag == NAME || tag == NEW_NAME || (tag >= SMALL_NAME && tag < SMALL_STRING)) {
          if (!inObject || named) {
            throw corrupt("a name where a value belongs");
          }
          g.writeName(nameOperand(tag));
          named = true;
          continue;
        }
        if (tag == END_OBJECT || tag == END_ARRAY) {
          if (depth == 0) {
            throw corrupt("a close without an open");
          }
          if (inObject != (tag == END_OBJECT)) {
            throw corrupt("a close that does not match its open");
          }
          if (named) {
            throw corrupt("a name without a value");
          }
          depth--;
          if (tag == END_OBJECT) {
            g.writeEndObject();
          } else {
            g.writeEndArray();
          }
          continue;
        }
        if (inObject && !named) {
          throw corrupt("a value without a name");
        }
        named = false;
        switch (tag) {
          case START_OBJECT -> {
            depth = deeper(depth);
            objects |= 1L << (depth - 1);
            g.writeStartObject();
          }
          case START_ARRAY -> {
            depth = deeper(depth);
            objects &= ~(1L << (depth - 1));
            g.writeStartArray();
          }
          case INT -> {
            long zigzag = unsigned();
            if (zigzag >>> 32 != 0) {
              throw corrupt("an int of more than 32 bits");
            }
            g.writeNumber((int) (zigzag >>> 1) ^ -(int) (zigzag & 1));
          }
          case LONG -> {
            long zigzag = unsigned();
            g.writeNumber((zigzag >>> 1) ^ -(zigzag & 1));
          }
          case DOUBLE -> g.writeNumber(Double.longBitsToDouble(fixed64()));
          case TRUE -> g.writeBoolean(true);
          case FALSE -> g.writeBoolean(false);
          case NULL -> g.writeNull();
          default -> {
            String value = stringOperand(tag);
            if (value == null) {
              throw corrupt("unknown tag " + tag);
            }
            g.writeString(value);
          }
        }
      } while (depth > 0);
    }

    private String nameOperand(int tag) {
      return switch (tag) {
        case NAME -> entry(names, unsigned());
        case NEW_NAME -> {
          String name = utf8();
          names.add(name);
          yield name;
        }
        default -> entry(names, tag - SMALL_NAME);
      };
    }

    /** The string of a string tag's operand, or null when {@code tag} is none. */
    private String stringOperand(int tag) {
      if (tag >= SMALL_STRING) {
        return entry(strings, tag - SMALL_STRING);
      }
      return switch (tag) {
        case STRING -> entry(strings, unsigned());
        case NEW_STRING -> {
          String value = utf8();
          strings.add(value);
          yield value;
        }
        case TEXT -> remember(utf8());
        case UUID -> remember(uuid());
        case AGAIN -> {
          int slot = tag();
          if (slot >= RECENT || recent[slot] == null) {
            throw corrupt("a repeat of slot " + slot + ", which holds nothing");
          }
          yield recent[slot];
        }
        default -> null;
      };
    }

    private String remember(String value) {
      recent[nextRecent] = value;
      nextRecent = (nextRecent + 1) % RECENT;
      return value;
    }

    private String uuid() {
      long high = fixed64();
      long low = fixed64();
      char[] text = new char[36];
      int i = 0;
      for (int digit = 0; digit < 32; digit++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
          text[i++] = '-';
        }
        long half = digit < 16 ? high : low;
        text[i++] = HEX[(int) (half >>> (60 - 4 * (digit % 16))) & 0xF];
      }
      return new String(text);
    }

    private int deeper(int depth) {
      if (depth == MAX_DEPTH) {
        throw corrupt("nested deeper than " + MAX_DEPTH);
      }
      return depth + 1;
    }

    private int tag() {
      if (at >= bytes.length) {
        throw corrupt("a token is cut off");
      }
      return bytes[at++] & 0xFF;
    }

    private String entry(List<String> dictionary, long index) {
      if (index < 0 || index >= dictionary.size()) {
        throw corrupt("index " + index + " of a dictionary of " + dictionary.size());
      }
      return dictionary.get((int) index);
    }

    private String utf8() {
      long length = unsigned();
      if (length < 0 || length > bytes.length - at) {
        throw corrupt(
            "a string of " + length + " bytes where " + (bytes.length - at) + " are left");
      }
      String value = new String(bytes, at, (int) length, StandardCharsets.UTF_8);
      at += (int) length;
      return value;
    }

    private long unsigned() {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (at >= bytes.length) {
          throw corrupt("a number is cut off");
        }
        byte b = bytes[at++];
        value |= (long) (b & 0x7F) << shift;
        if (b >= 0) {
          return value;
        }
      }
      throw corrupt("a number of more than 64 bits");
    }

    private long fixed64() {
      if (bytes.length - at < 8) {
        throw corrupt("8 bytes are cut off");
      }
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = v << 8 | (bytes[at++] & 0xFF);
      }
      return v;
    }

    private IllegalArgumentException corrupt(String what) {
      return new IllegalArgumentException(
          "Corrupt compact JSON at byte " + at + " of " + bytes.length + ": " + what);
    }
  }
}
