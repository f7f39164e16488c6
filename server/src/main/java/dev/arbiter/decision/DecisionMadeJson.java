package dev.arbiter.decision;

import dev.arbiter.decision.RecommendService.DecidedOffer;
import dev.arbiter.decision.RecommendService.DecisionMade;
import java.util.Map;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.SerializableString;
import tools.jackson.core.io.SerializedString;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueSerializer;

/**
 * Writes {@code decision.made.v1}'s data field by field: every decision writes one, on the
 * decision-log writers, and binding the record and its ten offers property by property cost about
 * half of the event's JSON time (bench/RESULTS.md). The bytes are those of the record's own
 * properties, in its {@code @JsonPropertyOrder}: nulls written, empty {@code bins} left out ({@code
 * DecisionMadeEventTests} compares them with the maps the event was first built of).
 */
final class DecisionMadeJson extends ValueSerializer<DecisionMade> {
  private static final SerializableString DECISION_ID = new SerializedString("decisionId");
  private static final SerializableString TENANT = new SerializedString("tenant");
  private static final SerializableString CUSTOMER_ID = new SerializedString("customerId");
  private static final SerializableString REQUEST_ID = new SerializedString("requestId");
  private static final SerializableString FLOW_KEY = new SerializedString("flowKey");
  private static final SerializableString FLOW_VERSION = new SerializedString("flowVersion");
  private static final SerializableString CATALOG_VERSION = new SerializedString("catalogVersion");
  private static final SerializableString CHANNEL = new SerializedString("channel");
  private static final SerializableString PLACEMENT = new SerializedString("placement");
  private static final SerializableString MODEL_KEY = new SerializedString("modelKey");
  private static final SerializableString DECIDED_AT = new SerializedString("decidedAt");
  private static final SerializableString SEED = new SerializedString("seed");
  private static final SerializableString OFFERS = new SerializedString("offers");
  private static final SerializableString RANK = new SerializedString("rank");
  private static final SerializableString OFFER_KEY = new SerializedString("offerKey");
  private static final SerializableString OFFER_ID = new SerializedString("offerId");
  private static final SerializableString NAME = new SerializedString("name");
  private static final SerializableString SCORE = new SerializedString("score");
  private static final SerializableString PROPENSITY = new SerializedString("propensity");
  private static final SerializableString FALLBACK = new SerializedString("fallback");
  private static final SerializableString CATEGORY = new SerializedString("category");
  private static final SerializableString BINS = new SerializedString("bins");

  @Override
  public void serialize(DecisionMade d, JsonGenerator g, SerializationContext ctxt) {
    g.writeStartObject(d);
    g.writeName(DECISION_ID);
    g.writeString(d.decisionId());
    g.writeName(TENANT);
    g.writeString(d.tenant());
    g.writeName(CUSTOMER_ID);
    g.writeString(d.customerId());
    g.writeName(REQUEST_ID);
    g.writeString(d.requestId());
    g.writeName(FLOW_KEY);
    g.writeString(d.flowKey());
    g.writeName(FLOW_VERSION);
    g.writeNumber(d.flowVersion());
    g.writeName(CATALOG_VERSION);
    g.writeNumber(d.catalogVersion());
    g.writeName(CHANNEL);
    g.writeString(d.channel());
    g.writeName(PLACEMENT);
    g.writeString(d.placement());
    g.writeName(MODEL_KEY);
    g.writeString(d.modelKey());
    g.writeName(DECIDED_AT);
    g.writeString(d.decidedAt());
    g.writeName(SEED);
    g.writeNumber(d.seed());
    g.writeName(OFFERS);
    if (d.offers() == null) {
      g.writeNull();
    } else {
      g.writeStartArray(d.offers(), d.offers().size());
      for (DecidedOffer o : d.offers()) {
        offer(g, o);
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }

  private static void offer(JsonGenerator g, DecidedOffer o) {
    g.writeStartObject(o);
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
    g.writeName(CATEGORY);
    g.writeString(o.category());
    Map<String, Integer> bins = o.bins();
    if (bins != null && !bins.isEmpty()) {
      g.writeName(BINS);
      g.writeStartObject(bins);
      for (Map.Entry<String, Integer> bin : bins.entrySet()) {
        g.writeName(bin.getKey());
        if (bin.getValue() == null) {
          g.writeNull();
        } else {
          g.writeNumber(bin.getValue());
        }
      }
      g.writeEndObject();
    }
    g.writeEndObject();
  }
}
