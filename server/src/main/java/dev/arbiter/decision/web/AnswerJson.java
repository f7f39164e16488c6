package dev.arbiter.decision.web;

import dev.arbiter.decision.RecommendService.Answer;
import dev.arbiter.engine.pipeline.RankedOffer;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.SerializableString;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.io.NumberOutput;
import tools.jackson.core.io.SerializedString;
import tools.jackson.databind.ObjectWriter;

/**
 * Writes Recommend's {@link Answer} with a streaming generator instead of data binding. Its shape
 * is fixed, so the property names are encoded once and no serializer is looked up per value: on the
 * reference flow this took the answer's serialization from a tenth of a decision's request-thread
 * CPU to about a third of that. The bytes are exactly what the application's mapper writes for the
 * same {@link Answer} (its records carry the order and inclusion), which {@code AnswerJsonTests}
 * checks; offer content that is not plain JSON values (maps, lists, strings, numbers, booleans,
 * null) and the inline trace go through {@code writer}'s data binding.
 *
 * <p>An answer without an inline trace and with finite scores is put together from bytes instead:
 * what an offer's answer repeats from decision to decision (its key, id, name and content) is
 * rendered once by the generator and kept per offer (by key, a few variants each: tenants and
 * catalog versions that share a key), so a decision writes its ranks, scores and flags between
 * those pieces, as the generator would (after it, the answer's JSON was 4.6% of Recommend's JVM
 * samples on the reference flow, generator creation included; bench/RESULTS.md). A kept piece
 * serves only the very offer instances it was rendered from, so a catalog change renders the
 * changed offer anew. Whether the mapper writes as this does (no pretty printer, names quoted,
 * numbers as numbers) is checked once, by writing a sample answer both ways; if not, every answer
 * goes through the generator.
 */
final class AnswerJson {
  private static final SerializableString DECISION_ID = new SerializedString("decisionId");
  private static final SerializableString FLOW_KEY = new SerializedString("flowKey");
  private static final SerializableString FLOW_VERSION = new SerializedString("flowVersion");
  private static final SerializableString CATALOG_VERSION = new SerializedString("catalogVersion");
  private static final SerializableString OFFERS = new SerializedString("offers");
  private static final SerializableString TRACE_ID = new SerializedString("traceId");
  private static final SerializableString TRACE = new SerializedString("trace");
  private static final SerializableString RANK = new SerializedString("rank");
  private static final SerializableString OFFER_KEY = new SerializedString("offerKey");
  private static final SerializableString OFFER_ID = new SerializedString("offerId");
  private static final SerializableString NAME = new SerializedString("name");
  private static final SerializableString SCORE = new SerializedString("score");
  private static final SerializableString PROPENSITY = new SerializedString("propensity");
  private static final SerializableString FALLBACK = new SerializedString("fallback");
  private static final SerializableString CONTENT = new SerializedString("content");

  private static final byte[] DECISION_ID_BYTES = ascii("{\"decisionId\":");
  private static final byte[] FLOW_KEY_BYTES = ascii(",\"flowKey\":");
  private static final byte[] FLOW_VERSION_BYTES = ascii(",\"flowVersion\":");
  private static final byte[] CATALOG_VERSION_BYTES = ascii(",\"catalogVersion\":");
  private static final byte[] OFFERS_BYTES = ascii(",\"offers\":[");
  private static final byte[] TRACE_ID_BYTES = ascii("],\"traceId\":");
  private static final byte[] RANK_BYTES = ascii("{\"rank\":");
  private static final byte[] PROPENSITY_BYTES = ascii(",\"propensity\":");
  private static final byte[] FALLBACK_TRUE = ascii(",\"fallback\":true,\"content\":");
  private static final byte[] FALLBACK_FALSE = ascii(",\"fallback\":false,\"content\":");

  private final ObjectWriter writer;

  /** Whether {@link #write} may put answers together from bytes (see the class comment). */
  private final boolean direct;

  /**
   * Per offer key, the pieces of the offers last rendered under it, newest first: one per tenant or
   * catalog version that serves the key, up to {@link #VARIANTS}; see {@link OfferBytes}. A plain
   * map (a Caffeine cache's read bookkeeping cost 4.8% of the request threads' samples here, more
   * than the rendering it saved); past {@link #MAX_KEYS} keys, offers gone from every catalog
   * included, it starts afresh.
   */
  private final ConcurrentHashMap<String, OfferBytes[]> offerBytes = new ConcurrentHashMap<>();

  private static final int VARIANTS = 8;
  private static final int MAX_KEYS = 50_000;

  /** Whether the writer formats doubles with Jackson's own writer (as the generator then does). */
  private final boolean fastDoubles;

  /**
   * @param writer the application mapper's writer: its generator settings apply, and it binds what
   *     this class does not write itself
   */
  AnswerJson(ObjectWriter writer) {
    this.writer = writer;
    try (JsonGenerator g = writer.createGenerator(new ByteArrayOutputStream())) {
      this.fastDoubles = g.isEnabled(StreamWriteFeature.USE_FAST_DOUBLE_WRITER);
    }
    this.direct = writesAsThisDoes();
  }

  /**
   * The pieces of one offer's answer that do not change from decision to decision, rendered by the
   * generator: {@code ,"offerKey":…,"offerId":…,"name":…,"score":} and the content's JSON. They are
   * used only for a ranked offer whose key, id, name and content are these very instances (a
   * catalog's offers are immutable, and a change builds new ones).
   */
  private record OfferBytes(
      String offerKey, String offerId, String name, Object content, byte[] head, byte[] json) {
    boolean renders(RankedOffer o) {
      // identity, not equality: equal text is not enough for content, and cheaper for the rest
      return offerKey == o.offerKey()
          && offerId == o.offerId()
          && name == o.name()
          && content == o.content();
    }
  }

  /** Whether answers without a trace are put together from bytes (for tests). */
  boolean direct() {
    return direct;
  }

  /** The answer's JSON, for {@link ByteArrayOutputStream#writeTo} without another copy. */
  ByteArrayOutputStream write(Answer answer) {
    if (direct && answer.trace() == null && finite(answer.offers())) {
      return direct(answer);
    }
    return generated(answer);
  }

  private ByteArrayOutputStream generated(Answer answer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 256 * answer.offers().size());
    try (JsonGenerator g = writer.createGenerator(out)) {
      g.writeStartObject();
      g.writeName(DECISION_ID);
      g.writeString(answer.decisionId());
      g.writeName(FLOW_KEY);
      g.writeString(answer.flowKey());
      g.writeName(FLOW_VERSION);
      g.writeNumber(answer.flowVersion());
      g.writeName(CATALOG_VERSION);
      g.writeNumber(answer.catalogVersion());
      g.writeName(OFFERS);
      g.writeStartArray();
      for (RankedOffer o : answer.offers()) {
        offer(g, o);
      }
      g.writeEndArray();
      if (answer.traceId() != null) {
        g.writeName(TRACE_ID);
        g.writeString(answer.traceId());
      }
      if (answer.trace() != null) {
        g.writeName(TRACE);
        g.writePOJO(answer.trace());
      }
      g.writeEndObject();
    }
    return out;
  }

  private static boolean finite(List<RankedOffer> offers) {
    for (RankedOffer o : offers) {
      if (!Double.isFinite(o.score()) || !Double.isFinite(o.propensity())) {
        return false; // the generator decides how NaN and infinities are written
      }
    }
    return true;
  }

  private ByteArrayOutputStream direct(Answer answer) {
    Bytes out = new Bytes(256 + 192 * answer.offers().size());
    out.append(DECISION_ID_BYTES);
    out.id(answer.decisionId(), this);
    out.append(FLOW_KEY_BYTES);
    out.id(answer.flowKey(), this);
    out.append(FLOW_VERSION_BYTES);
    out.ascii(Integer.toString(answer.flowVersion()));
    out.append(CATALOG_VERSION_BYTES);
    out.ascii(Long.toString(answer.catalogVersion()));
    out.append(OFFERS_BYTES);
    boolean first = true;
    for (RankedOffer o : answer.offers()) {
      if (!first) {
        out.write(',');
      }
      first = false;
      OfferBytes pieces = pieces(o);
      out.append(RANK_BYTES);
      out.ascii(Integer.toString(o.rank()));
      out.append(pieces.head());
      out.ascii(NumberOutput.toString(o.score(), fastDoubles));
      out.append(PROPENSITY_BYTES);
      out.ascii(NumberOutput.toString(o.propensity(), fastDoubles));
      out.append(o.fallback() ? FALLBACK_TRUE : FALLBACK_FALSE);
      out.append(pieces.json());
      out.write('}');
    }
    if (answer.traceId() != null) {
      out.append(TRACE_ID_BYTES);
      out.id(answer.traceId(), this);
      out.write('}');
    } else {
      out.write(']');
      out.write('}');
    }
    return out;
  }

  /** The kept pieces of {@code o}, rendered and kept first if there are none for it. */
  private OfferBytes pieces(RankedOffer o) {
    if (o.offerKey() == null) {
      return render(o);
    }
    OfferBytes[] kept = offerBytes.get(o.offerKey());
    if (kept != null) {
      for (OfferBytes pieces : kept) {
        if (pieces.renders(o)) {
          return pieces;
        }
      }
    }
    OfferBytes pieces = render(o);
    if (offerBytes.size() >= MAX_KEYS) {
      offerBytes.clear();
    }
    // racing writers may drop each other's variant: it is rendered again on its next use
    OfferBytes[] now = new OfferBytes[kept == null ? 1 : Math.min(kept.length + 1, VARIANTS)];
    now[0] = pieces;
    if (kept != null) {
      System.arraycopy(kept, 0, now, 1, now.length - 1);
    }
    offerBytes.put(o.offerKey(), now);
    return pieces;
  }

  /** An offer's pieces, rendered by the generator as {@link #generated} would write them. */
  private OfferBytes render(RankedOffer o) {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    try (JsonGenerator g = writer.createGenerator(head)) {
      g.writeStartObject();
      identity(g, o);
      g.writeName(SCORE);
      g.writeNumber(0);
      g.writeEndObject();
    }
    byte[] object = head.toByteArray();
    // {"offerKey":…,"score":0} without its braces and the 0: ,"offerKey":…,"score":
    byte[] piece = new byte[object.length - 2];
    piece[0] = ',';
    System.arraycopy(object, 1, piece, 1, object.length - 3);
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    try (JsonGenerator g = writer.createGenerator(content)) {
      value(g, o.content());
    }
    return new OfferBytes(
        o.offerKey(), o.offerId(), o.name(), o.content(), piece, content.toByteArray());
  }

  /** A string as the generator writes it, quotes included. */
  private byte[] string(String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(text == null ? 4 : text.length() + 8);
    try (JsonGenerator g = writer.createGenerator(out)) {
      g.writeString(text);
    }
    return out.toByteArray();
  }

  /**
   * Whether answers put together from bytes are the generator's, for this writer: a sample with
   * what its settings could change (a pretty printer, unquoted names, numbers as strings) written
   * both ways.
   */
  private boolean writesAsThisDoes() {
    List<Answer> samples =
        List.of(
            new Answer(
                // every character an id or key is copied with, unescaped
                "0123456789-abcdefghijklmnopqrstuvwxyz_ABCDEFGHIJKLMNOPQRSTUVWXYZ.",
                "home/page",
                2,
                -3L,
                List.of(
                    new RankedOffer(
                        1,
                        "gold",
                        null,
                        "Gold \"card\" é",
                        0.1,
                        1e-12,
                        false,
                        Map.of("a", List.of(1))),
                    new RankedOffer(2, "silver", "o-2", null, -0.0, 123456.789, true, null)),
                "t-1",
                null),
            new Answer("d-1", "f", 0, 0L, List.of(), null, null));
    try {
      for (Answer sample : samples) {
        if (!Arrays.equals(generated(sample).toByteArray(), direct(sample).toByteArray())) {
          return false;
        }
      }
      return true;
    } finally {
      offerBytes.clear();
    }
  }

  /**
   * The answer's bytes as they are put together: appends without {@link ByteArrayOutputStream}'s
   * per-call locking, read as any {@link ByteArrayOutputStream}.
   */
  static final class Bytes extends ByteArrayOutputStream {
    Bytes(int size) {
      super(size);
    }

    void append(byte[] b) {
      int n = b.length;
      if (count + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + n));
      }
      System.arraycopy(b, 0, buf, count, n);
      count += n;
    }

    /**
     * An id or key as a JSON string: Arbiter's ids (UUIDs) and catalog keys ({@code
     * [A-Za-z0-9._-]}) need no escaping under any setting, so they are copied; anything else is
     * written by the generator.
     */
    void id(String id, AnswerJson json) {
      if (id == null || !plain(id)) {
        append(json.string(id));
        return;
      }
      write('"');
      ascii(id);
      write('"');
    }

    private static boolean plain(String id) {
      for (int i = 0; i < id.length(); i++) {
        char c = id.charAt(i);
        if (!(c >= '0' && c <= '9'
            || c >= 'a' && c <= 'z'
            || c >= 'A' && c <= 'Z'
            || c == '-'
            || c == '_'
            || c == '.')) {
          return false;
        }
      }
      return true;
    }

    @Override
    public void write(int b) {
      if (count == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2 + 1);
      }
      buf[count++] = (byte) b;
    }

    /** An ASCII string (a number's digits), one byte per char. */
    void ascii(String s) {
      int n = s.length();
      if (count + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + n));
      }
      for (int i = 0; i < n; i++) {
        buf[count + i] = (byte) s.charAt(i);
      }
      count += n;
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static void offer(JsonGenerator g, RankedOffer o) {
    g.writeStartObject();
    g.writeName(RANK);
    g.writeNumber(o.rank());
    identity(g, o);
    g.writeName(SCORE);
    g.writeNumber(o.score());
    g.writeName(PROPENSITY);
    g.writeNumber(o.propensity());
    g.writeName(FALLBACK);
    g.writeBoolean(o.fallback());
    g.writeName(CONTENT);
    value(g, o.content());
    g.writeEndObject();
  }

  /** An offer's key, id and name: what both paths write between its rank and its score. */
  private static void identity(JsonGenerator g, RankedOffer o) {
    g.writeName(OFFER_KEY);
    g.writeString(o.offerKey());
    g.writeName(OFFER_ID);
    g.writeString(o.offerId());
    g.writeName(NAME);
    g.writeString(o.name());
  }

  /** A JSON value as the catalog stores content; anything else is bound by the mapper. */
  private static void value(JsonGenerator g, Object v) {
    switch (v) {
      case null -> g.writeNull();
      case String s -> g.writeString(s);
      case Integer i -> g.writeNumber(i);
      case Long l -> g.writeNumber(l);
      case Double d -> g.writeNumber(d);
      case Boolean b -> g.writeBoolean(b);
      case BigDecimal d -> g.writeNumber(d);
      case BigInteger i -> g.writeNumber(i);
      case Map<?, ?> m when allStringKeys(m) -> {
        g.writeStartObject();
        for (Map.Entry<?, ?> e : m.entrySet()) {
          g.writeName((String) e.getKey());
          value(g, e.getValue());
        }
        g.writeEndObject();
      }
      case List<?> list -> {
        g.writeStartArray();
        for (Object item : list) {
          value(g, item);
        }
        g.writeEndArray();
      }
      default -> g.writePOJO(v);
    }
  }

  private static boolean allStringKeys(Map<?, ?> m) {
    for (Object k : m.keySet()) {
      if (!(k instanceof String)) {
        return false;
      }
    }
    return true;
  }
}
