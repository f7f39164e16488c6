package dev.arbiter.decision;

import dev.arbiter.engine.scoring.NaiveBayesModel;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What a Recommend returned, as much as Respond needs to check an outcome against it and to learn
 * from it: the customer, the offers with their category, and the model that scored them (with the
 * naive Bayes bins each offer was scored in).
 *
 * @param decisionId the decision's id (also its {@code decision.made.v1} event's id)
 * @param tenantId the tenant's id
 * @param customerId who the decision was for
 * @param flowKey the flow that decided
 * @param catalogVersion the catalog version it was decided with ({@link Long#MAX_VALUE} when its
 *     stored event does not say)
 * @param channel the channel the offers were shown on (request's, else the flow's)
 * @param modelKey the flow's model, or null
 * @param modelBinning for a naive Bayes model, {@link NaiveBayesModel#binning()} when decided: each
 *     predictor's fingerprint (an outcome is counted in the recorded bins only while every
 *     predictor still bins as it did); null otherwise, and for a decision whose event was stored
 *     before Arbiter recorded it
 * @param madeAt when it was decided
 * @param offers offer key to what was returned, in rank order
 * @param eventStored completed once this node's decision log stored the decision's {@code
 *     decision.made.v1} event (or dropped it); null for a decision read back from its stored event
 */
public record RecordedDecision(
    String decisionId,
    String tenantId,
    String customerId,
    String flowKey,
    long catalogVersion,
    String channel,
    String modelKey,
    Map<String, String> modelBinning,
    Instant madeAt,
    Map<String, ReturnedOffer> offers,
    CompletableFuture<Void> eventStored) {

  /** A decision whose event is stored already (or that nobody waits for). */
  public RecordedDecision(
      String decisionId,
      String tenantId,
      String customerId,
      String flowKey,
      long catalogVersion,
      String channel,
      String modelKey,
      Map<String, String> modelBinning,
      Instant madeAt,
      Map<String, ReturnedOffer> offers) {
    this(
        decisionId,
        tenantId,
        customerId,
        flowKey,
        catalogVersion,
        channel,
        modelKey,
        modelBinning,
        madeAt,
        offers,
        null);
  }

  /**
   * @param category the offer's category when decided, or null
   * @param bins predictor name to bin, for a naive Bayes model; empty otherwise
   */
  public record ReturnedOffer(String category, Map<String, Integer> bins) {}

  public RecordedDecision {
    offers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(offers));
  }

  /** A stored event's {@code modelBinning}: predictor name to fingerprint; null when absent. */
  private static Map<String, String> binning(Object stored) {
    if (!(stored instanceof Map<?, ?> m)) {
      return null;
    }
    Map<String, String> binning = new LinkedHashMap<>();
    m.forEach(
        (name, fingerprint) -> {
          if (name instanceof String n && fingerprint instanceof String f) {
            binning.put(n, f);
          }
        });
    return binning;
  }

  /**
   * Reads a decision back from its {@code decision.made.v1} event data.
   *
   * @return null when {@code data} is not such an event's data
   */
  @SuppressWarnings("unchecked")
  public static RecordedDecision fromEventData(String tenantId, Map<String, Object> data) {
    if (!(data.get("decisionId") instanceof String id)
        || !(data.get("customerId") instanceof String customer)
        || !(data.get("offers") instanceof List<?> list)) {
      return null;
    }
    Map<String, ReturnedOffer> offers = new LinkedHashMap<>();
    for (Object o : list) {
      if (o instanceof Map<?, ?> m && m.get("offerKey") instanceof String key) {
        Map<String, Integer> bins = new LinkedHashMap<>();
        if (m.get("bins") instanceof Map<?, ?> b) {
          b.forEach(
              (name, bin) -> {
                if (name instanceof String n && bin instanceof Number x) {
                  bins.put(n, x.intValue());
                }
              });
        }
        offers.put(key, new ReturnedOffer((String) m.get("category"), bins));
      }
    }
    Object time = data.get("decidedAt");
    return new RecordedDecision(
        id,
        tenantId,
        customer,
        (String) data.get("flowKey"),
        data.get("catalogVersion") instanceof Number v ? v.longValue() : Long.MAX_VALUE,
        (String) data.get("channel"),
        (String) data.get("modelKey"),
        binning(data.get("modelBinning")),
        time instanceof String t ? Instant.parse(t) : null,
        offers);
  }
}
