package dev.arbiter.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * Compact JSON tokens replayed into Jackson's generator write the bytes the generator would have
 * written from the same calls: for random documents of every kind of value, several to a stream.
 */
class CompactJsonTests {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** Strings a document may hold: escapes, controls, non-ASCII, surrogate pairs, empty. */
  private static final String[] STRINGS = {
    "019aeb2c-1234-7abc-8def-0123456789ab",
    "019AEB2C-1234-7ABC-8DEF-0123456789AB",
    "019aeb2c-1234-7abc-8def-0123456789ag",
    "019aeb2c_1234-7abc-8def-0123456789ab",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "",
    "gold",
    "Café ✓",
    "quote \" backslash \\ slash /",
    "tab\tnew\nline\r",
    "\u0000\u001f",
    "emoji 😀",
    "\u2028\u2029",
    "x".repeat(300),
    "日本語のテキスト"
  };

  private static final double[] DOUBLES = {
    0.0,
    -0.0,
    0.125,
    1e-12,
    123456.789,
    Double.NaN,
    Double.POSITIVE_INFINITY,
    Double.NEGATIVE_INFINITY,
    Double.MIN_VALUE,
    Double.MAX_VALUE,
    0.1 + 0.2
  };

  private static final long[] LONGS = {
    0, 1, -1, 63, 64, -64, -65, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE
  };

  /** A random value: an object, array or scalar, {@code depth} levels at most. */
  private static Object value(Random r, int depth) {
    int kind = r.nextInt(depth > 0 ? 10 : 8);
    return switch (kind) {
      case 0 -> null;
      case 1 -> r.nextBoolean();
      case 2 -> (int) LONGS[r.nextInt(LONGS.length)] + r.nextInt(3) - 1;
      case 3 -> LONGS[r.nextInt(LONGS.length)];
      case 4 -> r.nextBoolean() ? DOUBLES[r.nextInt(DOUBLES.length)] : r.nextGaussian() * 1e6;
      case 5 -> new Shared(STRINGS[r.nextInt(STRINGS.length)]);
      case 6, 7 -> STRINGS[r.nextInt(STRINGS.length)] + (kind == 7 ? r.nextInt(1000) : "");
      case 8 -> {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = r.nextInt(5); i > 0; i--) {
          m.put(STRINGS[r.nextInt(STRINGS.length)] + r.nextInt(4), value(r, depth - 1));
        }
        yield m;
      }
      default -> {
        List<Object> l = new ArrayList<>();
        for (int i = r.nextInt(5); i > 0; i--) {
          l.add(value(r, depth - 1));
        }
        yield l;
      }
    };
  }

  /** A string written as recurring ({@link CompactJson.Sink#string}). */
  private record Shared(String value) {}

  private static void write(Object v, CompactJson.Sink s, boolean constantNames) {
    switch (v) {
      case null -> s.nul();
      case Boolean b -> s.bool(b);
      case Integer i -> s.number(i);
      case Long l -> s.number(l);
      case Double d -> s.number(d);
      case Shared sh -> s.string(sh.value());
      case String str -> s.text(str);
      case Map<?, ?> m -> {
        s.startObject();
        for (Map.Entry<?, ?> e : m.entrySet()) {
          if (constantNames) {
            s.name(new CompactJson.Name((String) e.getKey()));
          } else {
            s.name((String) e.getKey());
          }
          write(e.getValue(), s, constantNames);
        }
        s.endObject();
      }
      case List<?> l -> {
        s.startArray();
        for (Object o : l) {
          write(o, s, constantNames);
        }
        s.endArray();
      }
      default -> throw new IllegalStateException(v.toString());
    }
  }

  private static byte[] jackson(Object v, boolean constantNames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      write(v, CompactJson.sink(g), constantNames);
    }
    return out.toByteArray();
  }

  private static byte[] replayed(CompactJson.Reader in) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      in.copyDocument(g);
    }
    return out.toByteArray();
  }

  @Test
  void shouldReplayRandomDocumentsToTheBytesJacksonWritesForThem() {
    Random r = new Random(20261206);
    for (int stream = 0; stream < 200; stream++) {
      CompactJson.Writer w = new CompactJson.Writer();
      List<Object> documents = new ArrayList<>();
      for (int i = 1 + r.nextInt(20); i > 0; i--) {
        Object doc = value(r, 4);
        documents.add(doc);
        write(doc, w, stream % 2 == 0);
      }

      CompactJson.Reader in = new CompactJson.Reader(w.toByteArray(), 0);
      for (Object doc : documents) {
        assertThat(new String(replayed(in), java.nio.charset.StandardCharsets.UTF_8))
            .isEqualTo(
                new String(jackson(doc, stream % 2 == 0), java.nio.charset.StandardCharsets.UTF_8));
      }
      assertThat(in.hasMore()).isFalse();
    }
  }

  @Test
  void shouldReplayStreamsOfMoreNamesAndStringsThanATagHolds() {
    CompactJson.Writer w = new CompactJson.Writer();
    List<Object> documents = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("name-" + (i % 300), new Shared("value-" + (i % 400)));
      doc.put("id", "text-" + (i % 7));
      documents.add(doc);
      write(doc, w, i % 3 == 0);
    }

    CompactJson.Reader in = new CompactJson.Reader(w.toByteArray(), 0);
    for (Object doc : documents) {
      assertThat(replayed(in)).isEqualTo(jackson(doc, false));
    }
    assertThat(in.hasMore()).isFalse();
  }

  @Test
  void shouldStoreARecurringStringOnceAStream() {
    CompactJson.Writer w = new CompactJson.Writer();
    for (int i = 0; i < 100; i++) {
      write(Map.of("offerKey", new Shared("a-rather-long-offer-key")), w, false);
    }
    // the first document holds name and value; each later one a byte for each of its tokens
    int first = 1 + 1 + 1 + "offerKey".length() + 1 + 1 + "a-rather-long-offer-key".length() + 1;
    assertThat(w.size()).isEqualTo(first + 99 * 4);
  }

  @Test
  void shouldRefuseWhatIsNotAWholeDocument() {
    assertCorrupt(new byte[] {}, "cut off");
    assertCorrupt(new byte[] {31}, "unknown tag 31");
    assertCorrupt(new byte[] {0}, "unknown tag 0");
    assertCorrupt(new byte[] {CompactJson.START_OBJECT, 99}, "index 67 of a dictionary of 0");
    assertCorrupt(new byte[] {-1}, "index 127 of a dictionary of 0");
    assertCorrupt(new byte[] {CompactJson.AGAIN, 0}, "a repeat of slot 0, which holds nothing");
    assertCorrupt(new byte[] {CompactJson.UUID, 1, 2, 3}, "8 bytes are cut off");
    assertCorrupt(new byte[] {CompactJson.END_OBJECT}, "a close without an open");
    assertCorrupt(new byte[] {CompactJson.STRING, 0}, "index 0 of a dictionary of 0");
    assertCorrupt(new byte[] {CompactJson.TEXT, 5, 'a'}, "a string of 5 bytes where 1 are left");
    assertCorrupt(new byte[] {CompactJson.DOUBLE, 1, 2}, "8 bytes are cut off");
    assertCorrupt(new byte[] {CompactJson.INT, (byte) 0x80, (byte) 0x80}, "a number is cut off");
    assertCorrupt(
        new byte[] {CompactJson.INT, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x10},
        "an int of more than 32 bits");
    byte[] overlong = new byte[12];
    overlong[0] = CompactJson.LONG;
    java.util.Arrays.fill(overlong, 1, 12, (byte) 0xff);
    assertCorrupt(overlong, "more than 64 bits");
    byte[] deep = new byte[CompactJson.MAX_DEPTH + 1];
    java.util.Arrays.fill(deep, (byte) CompactJson.START_ARRAY);
    assertCorrupt(deep, "nested deeper than " + CompactJson.MAX_DEPTH);
    assertCorrupt(new byte[] {CompactJson.START_OBJECT, CompactJson.NEW_NAME, 1, 'a'}, "cut off");
    // a dictionary index and a string length of -1 (ten bytes: the 64th bit set)
    byte[] minusOne = {-1, -1, -1, -1, -1, -1, -1, -1, -1, 1};
    assertCorrupt(concat(new byte[] {CompactJson.STRING}, minusOne), "index -1");
    assertCorrupt(concat(new byte[] {CompactJson.TEXT}, minusOne), "a string of -1 bytes");
    // tokens that are not JSON
    assertCorrupt(new byte[] {CompactJson.NEW_NAME, 1, 'a'}, "a name where a value belongs");
    assertCorrupt(
        new byte[] {CompactJson.START_OBJECT, CompactJson.NEW_NAME, 1, 'a', CompactJson.END_OBJECT},
        "a name without a value");
    assertCorrupt(
        new byte[] {CompactJson.START_OBJECT, CompactJson.NEW_NAME, 1, 'a', 32},
        "a name where a value belongs");
    assertCorrupt(
        new byte[] {CompactJson.START_OBJECT, CompactJson.TRUE}, "a value without a name");
    assertCorrupt(
        new byte[] {CompactJson.START_ARRAY, CompactJson.NEW_NAME, 1, 'a'},
        "a name where a value belongs");
    assertCorrupt(
        new byte[] {CompactJson.START_ARRAY, CompactJson.END_OBJECT},
        "a close that does not match its open");
    assertThatThrownBy(() -> new CompactJson.Reader(new byte[] {CompactJson.NULL}, 0).string())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected a string");
  }

  @Test
  void shouldRefuseAStringWithAnUnpairedSurrogateRatherThanChangeIt() {
    for (String bad : List.of("abc\ud800", "\udc00x", "x\ud800\ud800y")) {
      CompactJson.Writer w = new CompactJson.Writer();
      w.startObject();
      assertThatThrownBy(() -> w.name(bad)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> w.string(bad)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> w.text(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("unpaired surrogate");
    }
    // a pair is a character like any other
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("emoji 😀", new Shared("😀"));
    doc.put("id", "😀 again");
    CompactJson.Writer w = new CompactJson.Writer();
    write(doc, w, false);
    assertThat(replayed(new CompactJson.Reader(w.toByteArray(), 0))).isEqualTo(jackson(doc, false));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private static void assertCorrupt(byte[] bytes, String why) {
    assertThatThrownBy(() -> replayed(new CompactJson.Reader(bytes, 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Corrupt compact JSON")
        .hasMessageContaining(why);
  }
}
