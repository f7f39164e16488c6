package dev.arbiter.engine.catalog;

import dev.arbiter.engine.arbitration.ArbitrationProfile;
import dev.arbiter.engine.scoring.ScoringModel;
import java.time.Instant;
import java.util.List;

/**
 * A compiled, published flow. Immutable and thread-safe. Its candidates are its inventory resolved
 * to offers (in key order, each once), and per candidate the static arbitration factors (relevance
 * from attributes, value, priority) are precomputed for the flow's profile.
 */
public final class Flow {
  /** A channel or placement that matches any. */
  public static final String WILDCARD = "*";

  private final String id;
  private final String key;
  private final String name;
  private final String channel;
  private final String placement;
  private final int version;
  private final int maxOffers;
  private final ScoringModel model;
  private final ArbitrationProfile profile;
  private final boolean defaultProfile;
  final Offer[] candidates;
  final double[] relevance;
  final double[] value;
  final double[] priority;
  final double[] staticTerm;
  final boolean[] staticEliminated;
  // Hot per-candidate fields in flat arrays: the filter stages read these instead of chasing each
  // offer object, which matters once the candidates no longer fit in the CPU caches.
  private final boolean[] active;
  private final boolean[] budgeted;
  private final boolean[] unrestricted;
  private final long[] startSeconds;
  private final int[] startNanos;
  private final long[] endSeconds;
  private final int[] endNanos;

  Flow(
      String id,
      String key,
      String name,
      String channel,
      String placement,
      int version,
      int maxOffers,
      ScoringModel model,
      ArbitrationProfile profile,
      boolean defaultProfile,
      Offer[] candidates) {
    this.id = id;
    this.key = key;
    this.name = name;
    this.channel = channel;
    this.placement = placement;
    this.version = version;
    this.maxOffers = maxOffers;
    this.model = model;
    this.profile = profile;
    this.defaultProfile = defaultProfile;
    this.candidates = candidates;
    int n = candidates.length;
    relevance = new double[n];
    value = new double[n];
    priority = new double[n];
    staticTerm = new double[n];
    staticEliminated = new boolean[n];
    active = new boolean[n];
    budgeted = new boolean[n];
    unrestricted = new boolean[n];
    startSeconds = new long[n];
    startNanos = new int[n];
    endSeconds = new long[n];
    endNanos = new int[n];
    for (int i = 0; i < n; i++) {
      Offer offer = candidates[i];
      active[i] = offer.status() == OfferStatus.ACTIVE;
      budgeted[i] = offer.budget() != null;
      unrestricted[i] = offer.channels().isEmpty() && offer.placements().isEmpty();
      Instant start = offer.startAt() == null ? Instant.MIN : offer.startAt();
      Instant end = offer.endAt() == null ? Instant.MAX : offer.endAt();
      startSeconds[i] = start.getEpochSecond();
      startNanos[i] = start.getNano();
      endSeconds[i] = end.getEpochSecond();
      endNanos[i] = end.getNano();
    }
    double valueMax = 0;
    for (Offer offer : candidates) {
      Double v = offer.monetaryValue();
      if (v != null && v > valueMax) {
        valueMax = v;
      }
    }
    // no offer of the flow with a positive value: value does not discriminate (every factor 1),
    // whatever the profile's valueMax (which eliminated every offer of a flow without values)
    if (valueMax > 0 && profile.valueMax() != null) {
      valueMax = profile.valueMax();
    }
    for (int i = 0; i < n; i++) {
      Offer offer = candidates[i];
      double r = offer.attributeRelevance();
      relevance[i] = Double.isNaN(r) ? 1 : r;
      value[i] = dev.arbiter.engine.arbitration.Factors.value(offer.monetaryValue(), valueMax);
      priority[i] = dev.arbiter.engine.arbitration.Factors.priority(offer.priority());
      staticEliminated[i] = profile.eliminatesStatic(relevance[i], value[i], priority[i]);
      staticTerm[i] =
          staticEliminated[i] ? 0 : profile.staticTerm(relevance[i], value[i], priority[i]);
    }
  }

  /** Whether candidate {@code i} is active. */
  public boolean candidateActive(int i) {
    return active[i];
  }

  /** Whether candidate {@code i} has a budget. */
  public boolean candidateBudgeted(int i) {
    return budgeted[i];
  }

  /** Whether candidate {@code i} may appear in every channel and placement. */
  public boolean candidateUnrestricted(int i) {
    return unrestricted[i];
  }

  /**
   * Where {@code seconds}/{@code nanos} (an instant) falls against candidate {@code i}'s schedule
   * {@code [startAt, endAt)}: negative before the start, 0 inside, positive at or after the end.
   */
  public int scheduleCompare(int i, long seconds, int nanos) {
    if (seconds < startSeconds[i] || seconds == startSeconds[i] && nanos < startNanos[i]) {
      return -1;
    }
    if (seconds > endSeconds[i] || seconds == endSeconds[i] && nanos >= endNanos[i]) {
      return 1;
    }
    return 0;
  }

  /** May be null. */
  public String id() {
    return id;
  }

  /** Never null. */
  public String key() {
    return key;
  }

  /** May be null. */
  public String name() {
    return name;
  }

  /** The channel served, or {@link #WILDCARD}. */
  public String channel() {
    return channel;
  }

  /** The placement served, or {@link #WILDCARD}. */
  public String placement() {
    return placement;
  }

  /** The published version. */
  public int version() {
    return version;
  }

  /** At least 1. */
  public int maxOffers() {
    return maxOffers;
  }

  /** The scoring model, or null (propensity 0.5 for every offer). */
  public ScoringModel model() {
    return model;
  }

  /** The arbitration profile; {@link ArbitrationProfile#DEFAULT} when the flow names none. */
  public ArbitrationProfile profile() {
    return profile;
  }

  /** Whether {@link #profile()} is the default because the flow names none. */
  public boolean usesDefaultProfile() {
    return defaultProfile;
  }

  /** The candidate offers, in key order. */
  public List<Offer> candidates() {
    return List.of(candidates);
  }

  /** Pipeline access without copying; callers must not modify the array. */
  public Offer[] candidatesArray() {
    return candidates;
  }

  /** Static relevance factor of candidate {@code i} (from its attributes; 1 when none). */
  public double relevanceFactor(int i) {
    return relevance[i];
  }

  /** Value factor of candidate {@code i}. */
  public double valueFactor(int i) {
    return value[i];
  }

  /** Priority factor of candidate {@code i}. */
  public double priorityFactor(int i) {
    return priority[i];
  }

  /** The profile's static term for candidate {@code i} (see {@link ArbitrationProfile}). */
  public double staticTerm(int i) {
    return staticTerm[i];
  }

  /** Whether candidate {@code i}'s static factors alone eliminate it. */
  public boolean staticallyEliminated(int i) {
    return staticEliminated[i];
  }

  @Override
  public String toString() {
    return "Flow[" + key + " v" + version + "]";
  }
}
