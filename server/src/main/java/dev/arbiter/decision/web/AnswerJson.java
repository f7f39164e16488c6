package dev.arbiter.decision.web;

import dev.arbiter.decision.RecommendService.Answer;
import dev.arbiter.engine.pipeline.RankedOffer;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.SerializableString;
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

  private final ObjectWriter writer;

  /**
   * @param writer the application mapper's writer: its generator settings apply, and it binds what
   *     this class does not write itself
   */
  AnswerJson(ObjectWriter writer) {
    this.writer = writer;
  }

  /** The answer's JSON, for {@link ByteArrayOutputStream#writeTo} without another copy. */
  ByteArrayOutputStream write(Answer answer) {
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

  private static void offer(JsonGenerator g, RankedOffer o) {
    g.writeStartObject();
    g.writeName(RANK);
    g.writeNumber(o.rank());
    g.writeName(OFFER_KEY);
    g.writeString(o.offerKey());
    g.writeName(OFFER_ID);
    g.writeString(o.offerId());
    g.writeName(NAME);
    g.writeString(o.name());
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
