package dev.arbiter.decision;

import dev.arbiter.db.CompactJson;
import dev.arbiter.decision.RecommendService.DecidedOffer;
import dev.arbiter.decision.RecommendService.DecisionMade;
import java.util.Map;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueSerializer;

/**
 * Writes {@code decision.made.v1}'s data field by field: every decision writes one, on the
 * decision-log writers, and binding the record and its ten offers property by property cost about
 * half of the event's JSON time (bench/RESULTS.md). The bytes are those of the record's own
 * properties, in its {@code @JsonPropertyOrder}: nulls written but {@code modelBinning}'s, empty
 * {@code bins} left out ({@code DecisionMadeEventTests} compares them with the maps the event was
 * first built of).
 */
final class DecisionMadeJson extends ValueSerializer<DecisionMade> {
  private static final CompactJson.Name DECISION_ID = new CompactJson.Name("decisionId");
  private static final CompactJson.Name TENANT = new CompactJson.Name("tenant");
  private static final CompactJson.Name CUSTOMER_ID = new CompactJson.Name("customerId");
  private static final CompactJson.Name REQUEST_ID = new CompactJson.Name("requestId");
  private static final CompactJson.Name FLOW_KEY = new CompactJson.Name("flowKey");
  private static final CompactJson.Name FLOW_VERSION = new CompactJson.Name("flowVersion");
  private static final CompactJson.Name CATALOG_VERSION = new CompactJson.Name("catalogVersion");
  private static final CompactJson.Name CHANNEL = new CompactJson.Name("channel");
  private static final CompactJson.Name PLACEMENT = new CompactJson.Name("placement");
  private static final CompactJson.Name MODEL_KEY = new CompactJson.Name("modelKey");
  private static final CompactJson.Name MODEL_BINNING = new CompactJson.Name("modelBinning");
  private static final CompactJson.Name DECIDED_AT = new CompactJson.Name("decidedAt");
  private static final CompactJson.Name SEED = new CompactJson.Name("seed");
  private static final CompactJson.Name OFFERS = new CompactJson.Name("offers");
  private static final CompactJson.Name RANK = new CompactJson.Name("rank");
  private static final CompactJson.Name OFFER_KEY = new CompactJson.Name("offerKey");
  private static final CompactJson.Name OFFER_ID = new CompactJson.Name("offerId");
  private static final CompactJson.Name NAME = new CompactJson.Name("name");
  private static final CompactJson.Name SCORE = new CompactJson.Name("score");
  private static final CompactJson.Name PROPENSITY = new CompactJson.Name("propensity");
  private static final CompactJson.Name FALLBACK = new CompactJson.Name("fallback");
  private static final CompactJson.Name CATEGORY = new CompactJson.Name("category");
  private static final CompactJson.Name BINS = new CompactJson.Name("bins");

  @Override
  public void serialize(DecisionMade d, JsonGenerator g, SerializationContext ctxt) {
    write(d, CompactJson.sink(g));
  }

  /**
   * Writes {@code d} to {@code s}: the tokens Jackson's generator gets from {@link #serialize}, and
   * a compact event batch stores ({@link CompactDecisionEvents}). Ids, the customer and times are
   * values of their own decision; keys, names and channels recur from decision to decision.
   */
  static void write(DecisionMade d, CompactJson.Sink s) {
    s.startObject();
    s.name(DECISION_ID);
    s.text(d.decisionId());
    s.name(TENANT);
    s.string(d.tenant());
    s.name(CUSTOMER_ID);
    s.text(d.customerId());
    s.name(REQUEST_ID);
    s.text(d.requestId());
    s.name(FLOW_KEY);
    s.string(d.flowKey());
    s.name(FLOW_VERSION);
    s.number(d.flowVersion());
    s.name(CATALOG_VERSION);
    s.number(d.catalogVersion());
    s.name(CHANNEL);
    s.string(d.channel());
    s.name(PLACEMENT);
    s.string(d.placement());
    s.name(MODEL_KEY);
    s.string(d.modelKey());
    if (d.modelBinning() != null) {
      s.name(MODEL_BINNING);
      s.startObject();
      for (Map.Entry<String, String> predictor : d.modelBinning().entrySet()) {
        s.name(predictor.getKey());
        s.string(predictor.getValue());
      }
      s.endObject();
    }
    s.name(DECIDED_AT);
    s.text(d.decidedAt());
    s.name(SEED);
    s.number(d.seed());
    s.name(OFFERS);
    if (d.offers() == null) {
      s.nul();
    } else {
      s.startArray();
      for (DecidedOffer o : d.offers()) {
        offer(s, o);
      }
      s.endArray();
    }
    s.endObject();
  }

  private static void offer(CompactJson.Sink s, DecidedOffer o) {
    s.startObject();
    s.name(RANK);
    s.number(o.rank());
    s.name(OFFER_KEY);
    s.string(o.offerKey());
    s.name(OFFER_ID);
    s.string(o.offerId());
    s.name(NAME);
    s.string(o.name());
    s.name(SCORE);
    s.number(o.score());
    s.name(PROPENSITY);
    s.number(o.propensity());
    s.name(FALLBACK);
    s.bool(o.fallback());
    s.name(CATEGORY);
    s.string(o.category());
    Map<String, Integer> bins = o.bins();
    if (bins != null && !bins.isEmpty()) {
      s.name(BINS);
      s.startObject();
      for (Map.Entry<String, Integer> bin : bins.entrySet()) {
        s.name(bin.getKey());
        if (bin.getValue() == null) {
          s.nul();
        } else {
          s.number(bin.getValue());
        }
      }
      s.endObject();
    }
    s.endObject();
  }
}
