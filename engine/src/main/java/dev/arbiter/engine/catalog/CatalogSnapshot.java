package dev.arbiter.engine.catalog;

import dev.arbiter.engine.arbitration.ArbitrationProfile;
import dev.arbiter.engine.policy.ContactPolicy;
import dev.arbiter.engine.rules.PathTable;
import dev.arbiter.engine.scoring.ScoringModel;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * One tenant's compiled catalog at one version. Immutable and thread-safe: build it once per
 * catalog change (with {@link CatalogBuilder#build(CatalogDefinition)}) and share it between all
 * decisions.
 */
public final class CatalogSnapshot {
  private final PathTable pathTable;
  private final String tenantId;
  private final long catalogVersion;
  private final List<Offer> offers;
  private final Map<String, Offer> offersByKey;
  private final List<QualificationRule> rules;
  private final int memoSlots;
  private final List<ContactPolicy> policies;
  private final java.util.Set<String> countedOutcomes;
  private final Map<String, ScoringModel> models;
  private final Map<String, ArbitrationProfile> profiles;
  private final Map<String, Flow> flows;
  private final Map<String, Flow> routes;

  CatalogSnapshot(
      PathTable pathTable,
      String tenantId,
      long catalogVersion,
      List<Offer> offers,
      Map<String, Offer> offersByKey,
      List<QualificationRule> rules,
      int memoSlots,
      List<ContactPolicy> policies,
      Map<String, ScoringModel> models,
      Map<String, ArbitrationProfile> profiles,
      Map<String, Flow> flows,
      Map<String, Flow> routes) {
    this.pathTable = pathTable;
    this.tenantId = tenantId;
    this.catalogVersion = catalogVersion;
    this.offers = offers;
    this.offersByKey = offersByKey;
    this.rules = rules;
    this.memoSlots = memoSlots;
    this.policies = policies;
    java.util.Set<String> outcomes = new java.util.HashSet<>();
    for (ContactPolicy p : policies) {
      outcomes.add(p.outcome());
    }
    this.countedOutcomes = java.util.Set.copyOf(outcomes);
    this.models = models;
    this.profiles = profiles;
    this.flows = flows;
    this.routes = routes;
  }

  /** The tenant, may be null. */
  /** The slots of the customer and request paths the catalog's rules read (see PathTable). */
  public PathTable pathTable() {
    return pathTable;
  }

  public String tenantId() {
    return tenantId;
  }

  /** The caller's version of the catalog this snapshot was built from. */
  public long catalogVersion() {
    return catalogVersion;
  }

  /** Every offer, in key order. */
  public List<Offer> offers() {
    return offers;
  }

  /** The offer with this key, or null. */
  public Offer offer(String key) {
    return offersByKey.get(key);
  }

  /** The active qualification rules, in key order ({@link QualificationRule#ordinal()} order). */
  public List<QualificationRule> rules() {
    return rules;
  }

  /** How many rules have a {@link QualificationRule#memoSlot()}. */
  public int memoSlotCount() {
    return memoSlots;
  }

  /** The active contact policies, in key order ({@link ContactPolicy#ordinal()} order). */
  public List<ContactPolicy> policies() {
    return policies;
  }

  /**
   * Whether some active contact policy counts (or, for a cooldown, is triggered by) {@code
   * outcome}: a caller that records contacts of that outcome only for policies can skip them when
   * this is false.
   */
  public boolean countsOutcome(String outcome) {
    return countedOutcomes.contains(outcome);
  }

  /** The model with this key, or null. */
  public ScoringModel model(String key) {
    return models.get(key);
  }

  /** Every model. */
  public Collection<ScoringModel> models() {
    return models.values();
  }

  /** The profile with this key, or null. */
  public ArbitrationProfile profile(String key) {
    return profiles.get(key);
  }

  /** The flow with this key, or null. */
  public Flow flow(String key) {
    return flows.get(key);
  }

  /** Every flow. */
  public Collection<Flow> flows() {
    return flows.values();
  }

  /**
   * Finds the flow for a request: by {@code flowKey} when given (and nothing else if it names no
   * flow), else by exact {@code channel} + {@code placement}, else by a wildcard route, tried in
   * the order ({@code channel}, {@code *}), ({@code *}, {@code placement}), ({@code *}, {@code *}).
   *
   * @return the route, or null when no flow serves the request
   */
  public Route route(String flowKey, String channel, String placement) {
    if (flowKey != null) {
      Flow flow = flows.get(flowKey);
      return flow == null ? null : new Route(flow, "flow_key");
    }
    if (channel != null && placement != null) {
      Flow exact = routes.get(routeKey(channel, placement));
      if (exact != null) {
        return new Route(exact, "channel_placement");
      }
    }
    if (channel != null) {
      Flow flow = routes.get(routeKey(channel, Flow.WILDCARD));
      if (flow != null) {
        return new Route(flow, "wildcard");
      }
    }
    if (placement != null) {
      Flow flow = routes.get(routeKey(Flow.WILDCARD, placement));
      if (flow != null) {
        return new Route(flow, "wildcard");
      }
    }
    Flow any = routes.get(routeKey(Flow.WILDCARD, Flow.WILDCARD));
    return any == null ? null : new Route(any, "wildcard");
  }

  static String routeKey(String channel, String placement) {
    return channel + '\u0000' + placement;
  }
}
