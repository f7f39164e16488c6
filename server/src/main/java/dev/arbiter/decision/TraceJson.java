package dev.arbiter.decision;

import dev.arbiter.engine.trace.DecisionTrace;
import dev.arbiter.engine.trace.OfferScore;
import dev.arbiter.engine.trace.Removal;
import dev.arbiter.engine.trace.StageTrace;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.SerializableString;
import tools.jackson.core.io.SerializedString;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueSerializer;

/**
 * Writes a {@link TraceView}: the document the trace API has always served, its fields in their
 * order (each removal {@code offerKey, code, reason}; each offer's factors {@code propensity,
 * relevance, value, priority}). A 100-offer trace is some 35 KB of JSON; binding it from maps cost
 * the decision log a quarter of its time on the reference flow at a 1% sample rate
 * (bench/RESULTS.md), this writes it with encoded names and no serializer lookups. The request's
 * {@code attributes} and {@code context} are the caller's JSON and go through the mapper as before
 * ({@code TraceJsonTests} compares the documents).
 */
final class TraceJson extends ValueSerializer<TraceView> {
  private static final SerializableString ID = new SerializedString("id");
  private static final SerializableString DECISION_ID = new SerializedString("decisionId");
  private static final SerializableString REQUEST_ID = new SerializedString("requestId");
  private static final SerializableString CUSTOMER_ID = new SerializedString("customerId");
  private static final SerializableString FLOW_KEY = new SerializedString("flowKey");
  private static final SerializableString FLOW_VERSION = new SerializedString("flowVersion");
  private static final SerializableString CATALOG_VERSION = new SerializedString("catalogVersion");
  private static final SerializableString CREATED_AT = new SerializedString("createdAt");
  private static final SerializableString REQUEST = new SerializedString("request");
  private static final SerializableString CHANNEL = new SerializedString("channel");
  private static final SerializableString PLACEMENT = new SerializedString("placement");
  private static final SerializableString LIMIT = new SerializedString("limit");
  private static final SerializableString ATTRIBUTES = new SerializedString("attributes");
  private static final SerializableString CONTEXT = new SerializedString("context");
  private static final SerializableString SEED = new SerializedString("seed");
  private static final SerializableString ROUTING = new SerializedString("routing");
  private static final SerializableString CANDIDATES = new SerializedString("candidates");
  private static final SerializableString STAGES = new SerializedString("stages");
  private static final SerializableString STAGE = new SerializedString("stage");
  private static final SerializableString IN = new SerializedString("in");
  private static final SerializableString OUT = new SerializedString("out");
  private static final SerializableString DURATION = new SerializedString("durationMicros");
  private static final SerializableString REMOVED = new SerializedString("removed");
  private static final SerializableString OFFER_KEY = new SerializedString("offerKey");
  private static final SerializableString CODE = new SerializedString("code");
  private static final SerializableString REASON = new SerializedString("reason");
  private static final SerializableString SCORES = new SerializedString("scores");
  private static final SerializableString PROPENSITY = new SerializedString("propensity");
  private static final SerializableString FALLBACK = new SerializedString("fallback");
  private static final SerializableString FALLBACK_REASON = new SerializedString("fallbackReason");
  private static final SerializableString FACTORS = new SerializedString("factors");
  private static final SerializableString RELEVANCE = new SerializedString("relevance");
  private static final SerializableString VALUE = new SerializedString("value");
  private static final SerializableString PRIORITY = new SerializedString("priority");
  private static final SerializableString SCORE = new SerializedString("score");
  private static final SerializableString ELIMINATED = new SerializedString("eliminated");
  private static final SerializableString RESULT = new SerializedString("result");

  @Override
  public void serialize(TraceView v, JsonGenerator g, SerializationContext ctxt) {
    DecisionTrace t = v.trace();
    RecommendRequest request = v.request();
    g.writeStartObject();
    g.writeName(ID);
    g.writeString(v.id());
    g.writeName(DECISION_ID);
    g.writeString(v.decisionId());
    g.writeName(REQUEST_ID);
    g.writeString(v.requestId());
    g.writeName(CUSTOMER_ID);
    g.writeString(request.customerId());
    g.writeName(FLOW_KEY);
    g.writeString(t.flowKey());
    g.writeName(FLOW_VERSION);
    g.writeNumber(t.flowVersion());
    g.writeName(CATALOG_VERSION);
    g.writeNumber(t.catalogVersion());
    g.writeName(CREATED_AT);
    g.writeString(v.createdAt());
    g.writeName(REQUEST);
    g.writeStartObject();
    g.writeName(CHANNEL);
    g.writeString(request.channel());
    g.writeName(PLACEMENT);
    g.writeString(request.placement());
    g.writeName(FLOW_KEY);
    g.writeString(request.flowKey());
    g.writeName(LIMIT);
    if (request.limit() == null) {
      g.writeNull();
    } else {
      g.writeNumber(request.limit());
    }
    g.writeName(ATTRIBUTES);
    ctxt.writeValue(g, request.attributes());
    g.writeName(CONTEXT);
    ctxt.writeValue(g, request.context());
    g.writeName(SEED);
    g.writeNumber(v.seed());
    g.writeEndObject();
    g.writeName(ROUTING);
    g.writeString(t.routing());
    g.writeName(CANDIDATES);
    g.writeNumber(t.candidates());
    g.writeName(STAGES);
    g.writeStartArray();
    for (StageTrace s : t.stages()) {
      stage(g, s);
    }
    g.writeEndArray();
    g.writeName(SCORES);
    g.writeStartArray();
    for (OfferScore s : t.scores()) {
      score(g, s);
    }
    g.writeEndArray();
    g.writeName(RESULT);
    g.writeStartArray();
    for (String offerKey : t.result()) {
      g.writeString(offerKey);
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void stage(JsonGenerator g, StageTrace s) {
    g.writeStartObject();
    g.writeName(STAGE);
    g.writeString(s.stage().wireName());
    g.writeName(IN);
    g.writeNumber(s.in());
    g.writeName(OUT);
    g.writeNumber(s.out());
    g.writeName(DURATION);
    g.writeNumber(s.durationMicros());
    g.writeName(REMOVED);
    g.writeStartArray();
    for (Removal r : s.removed()) {
      g.writeStartObject();
      g.writeName(OFFER_KEY);
      g.writeString(r.offerKey());
      g.writeName(CODE);
      g.writeString(r.code());
      g.writeName(REASON);
      g.writeString(r.reason());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void score(JsonGenerator g, OfferScore s) {
    g.writeStartObject();
    g.writeName(OFFER_KEY);
    g.writeString(s.offerKey());
    g.writeName(PROPENSITY);
    g.writeNumber(s.propensity());
    g.writeName(FALLBACK);
    g.writeBoolean(s.fallback());
    if (s.fallbackReason() != null) {
      g.writeName(FALLBACK_REASON);
      g.writeString(s.fallbackReason());
    }
    g.writeName(FACTORS);
    g.writeStartObject();
    g.writeName(PROPENSITY);
    g.writeNumber(s.propensity());
    g.writeName(RELEVANCE);
    g.writeNumber(s.relevance());
    g.writeName(VALUE);
    g.writeNumber(s.value());
    g.writeName(PRIORITY);
    g.writeNumber(s.priority());
    g.writeEndObject();
    g.writeName(SCORE);
    g.writeNumber(s.score());
    g.writeName(ELIMINATED);
    g.writeBoolean(s.eliminated());
    g.writeEndObject();
  }
}
