package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.catalog.Offer;
import dev.arbiter.engine.rules.BoundData;
import dev.arbiter.engine.rules.PathTable;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The data rules and models see: {@code {customer, request: {channel, placement, context}, offer}}.
 * One instance serves a whole decision; the pipeline swaps the {@code offer} entry per offer
 * instead of building a map per offer. Read-only to its users; not thread-safe while the pipeline
 * swaps.
 */
public final class DecisionData extends BoundData {
  private final Object customer;
  private final Map<String, Object> request;
  private Object offer;

  /**
   * @param table the catalog's path slots: the customer and request values the rules read are
   *     resolved once per decision (null: no slots)
   */
  DecisionData(
      PathTable table,
      Map<String, ?> customer,
      String channel,
      String placement,
      Map<String, ?> context) {
    super(table);
    this.customer = customer;
    Map<String, Object> req = new HashMap<>(4);
    req.put("channel", channel);
    req.put("placement", placement);
    req.put("context", context);
    this.request = Collections.unmodifiableMap(req);
  }

  /**
   * The data an offer was (or would be) decided with, for learning: folding a naive Bayes outcome
   * needs the bins the customer fell into at decision time.
   */
  public static Map<String, Object> of(
      Offer offer,
      Map<String, ?> attributes,
      String channel,
      String placement,
      Map<String, ?> context) {
    DecisionData data =
        new DecisionData(
            null,
            attributes == null ? Map.of() : attributes,
            channel,
            placement,
            context == null ? Map.of() : context);
    data.offer = offer == null ? null : offer.ruleView();
    return data;
  }

  void offer(Offer offer) {
    this.offer = offer.ruleView();
  }

  @Override
  public Object get(Object key) {
    // Identity first: free, and a hit whenever the caller's key is the interned literal.
    if (key == "customer") {
      return customer;
    }
    if (key == "request") {
      return request;
    }
    if (key == "offer") {
      return offer;
    }
    if (key instanceof String k) {
      switch (k) {
        case "customer":
          return customer;
        case "request":
          return request;
        case "offer":
          return offer;
        default:
          return null;
      }
    }
    return null;
  }

  @Override
  public boolean containsKey(Object key) {
    return "customer".equals(key)
        || "request".equals(key)
        || ("offer".equals(key) && offer != null);
  }

  @Override
  public int size() {
    return offer == null ? 2 : 3;
  }

  @Override
  public Set<Entry<String, Object>> entrySet() {
    Map<String, Object> copy = new java.util.LinkedHashMap<>();
    copy.put("customer", customer);
    copy.put("request", request);
    if (offer != null) {
      copy.put("offer", offer);
    }
    return Collections.unmodifiableMap(copy).entrySet();
  }
}
