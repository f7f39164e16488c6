package dev.arbiter.engine.catalog;

import dev.arbiter.engine.policy.ContactPolicy;
import dev.arbiter.engine.policy.ContactPolicyEvaluator;
import dev.arbiter.engine.rules.CompiledRule;
import dev.arbiter.engine.scoring.ScoringSubject;
import dev.arbiter.engine.trace.Reason;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A compiled offer. Immutable and thread-safe; every collection is unmodifiable. Besides the
 * offer's fields it carries what the pipeline would otherwise look up per decision: the active
 * qualification rules and contact policies that apply to it (in key order) and the view of it that
 * rules see as {@code offer}.
 */
public final class Offer implements ScoringSubject {
  private final int ordinal;
  private final String id;
  private final String key;
  private final String name;
  private final String description;
  private final String category;
  private final String subcategory;
  private final OfferStatus status;
  private final Instant startAt;
  private final Instant endAt;
  private final int priority;
  private final OfferValue value;
  private final Double monetaryValue;
  private final List<String> channels;
  private final List<String> placements;
  private final String[] channelArray;
  private final String[] placementArray;
  private final Budget budget;
  private final Map<String, Object> content;
  private final Map<String, Object> attributes;
  private final Map<String, Object> ruleView;
  private final long randomStream;
  private final double attributeRelevance;
  final QualificationRule[] rules;
  private final CompiledRule[] compiledRules;
  private final int[] ruleMemoSlots;
  private final Reason[] ruleFailures;
  final ContactPolicy[] policies;
  private final Reason statusReason;
  private final long categoryHash;

  Offer(
      int ordinal,
      String id,
      String key,
      String name,
      String description,
      String category,
      String subcategory,
      OfferStatus status,
      Instant startAt,
      Instant endAt,
      int priority,
      OfferValue value,
      Double monetaryValue,
      List<String> channels,
      List<String> placements,
      Budget budget,
      Map<String, Object> content,
      Map<String, Object> attributes,
      Map<String, Object> ruleView,
      long randomStream,
      double attributeRelevance,
      QualificationRule[] rules,
      ContactPolicy[] policies) {
    this.ordinal = ordinal;
    this.id = id;
    this.key = key;
    this.name = name;
    this.description = description;
    this.category = category;
    this.subcategory = subcategory;
    this.status = status;
    this.startAt = startAt;
    this.endAt = endAt;
    this.priority = priority;
    this.value = value;
    this.monetaryValue = monetaryValue;
    this.channels = channels;
    this.placements = placements;
    this.channelArray = channels.toArray(new String[0]);
    this.placementArray = placements.toArray(new String[0]);
    this.budget = budget;
    this.content = content;
    this.attributes = attributes;
    this.ruleView = ruleView;
    this.randomStream = randomStream;
    this.attributeRelevance = attributeRelevance;
    this.rules = rules;
    this.compiledRules = new CompiledRule[rules.length];
    this.ruleMemoSlots = new int[rules.length];
    this.ruleFailures = new Reason[rules.length];
    for (int i = 0; i < rules.length; i++) {
      compiledRules[i] = rules[i].rule();
      ruleMemoSlots[i] = rules[i].memoSlot();
      ruleFailures[i] = rules[i].failure();
    }
    this.policies = policies;
    this.statusReason = status == OfferStatus.ACTIVE ? null : new StatusReason(key, status);
    this.categoryHash = category == null ? 0 : ContactPolicyEvaluator.hash(category);
  }

  /** Index of the offer in its snapshot. */
  public int ordinal() {
    return ordinal;
  }

  /** The offer's id, may be null. */
  public String id() {
    return id;
  }

  /** The offer's key, unique in its snapshot; never null. */
  @Override
  public String key() {
    return key;
  }

  /** The offer's name for people; never null. */
  public String name() {
    return name;
  }

  /** May be null. */
  public String description() {
    return description;
  }

  /** The offer's category, or null. */
  @Override
  public String category() {
    return category;
  }

  /** May be null. */
  public String subcategory() {
    return subcategory;
  }

  /** The offer's status; never null. */
  public OfferStatus status() {
    return status;
  }

  /** May be null. */
  public Instant startAt() {
    return startAt;
  }

  /** Exclusive; may be null. */
  public Instant endAt() {
    return endAt;
  }

  /** 0..100. */
  public int priority() {
    return priority;
  }

  /** Never null; fields may be null. */
  public OfferValue value() {
    return value;
  }

  /** The monetary value arbitration uses (see {@link dev.arbiter.engine.arbitration.Factors}). */
  public Double monetaryValue() {
    return monetaryValue;
  }

  /** Empty means any channel. */
  public List<String> channels() {
    return channels;
  }

  /** Empty means any placement. */
  public List<String> placements() {
    return placements;
  }

  /** Whether the offer may appear on {@code channel}. */
  public boolean allowsChannel(String channel) {
    return allows(channelArray, channel);
  }

  /** Whether the offer may appear in {@code placement}. */
  public boolean allowsPlacement(String placement) {
    return allows(placementArray, placement);
  }

  private static boolean allows(String[] allowed, String wanted) {
    if (allowed.length == 0) {
      return true;
    }
    if (wanted == null) {
      return false;
    }
    for (String a : allowed) {
      if (a.equals(wanted)) {
        return true;
      }
    }
    return false;
  }

  /** May be null. */
  public Budget budget() {
    return budget;
  }

  /** Unmodifiable free JSON; empty when none. */
  public Map<String, Object> content() {
    return content;
  }

  /** Unmodifiable free JSON; empty when none. */
  public Map<String, Object> attributes() {
    return attributes;
  }

  /**
   * What rules see as {@code offer}: {@code id, key, name, category, subcategory, status, priority,
   * value {revenue, margin, cost}, channels, placements, attributes} (null fields left out).
   */
  public Map<String, Object> ruleView() {
    return ruleView;
  }

  /** The {@link #ruleView()}. */
  @Override
  public Map<String, ?> fields() {
    return ruleView;
  }

  @Override
  public long randomStream() {
    return randomStream;
  }

  /** The {@code relevance} attribute clamped to [0, 1], or NaN when the offer has none. */
  public double attributeRelevance() {
    return attributeRelevance;
  }

  /** The active rules that apply to this offer, in key order. */
  public List<QualificationRule> rules() {
    return List.of(rules);
  }

  /** The active policies that may apply to this offer, in key order. */
  public List<ContactPolicy> policies() {
    return List.of(policies);
  }

  /** Pipeline access without copying; callers must not modify the array. */
  public QualificationRule[] rulesArray() {
    return rules;
  }

  /**
   * The compiled expressions of {@link #rulesArray()}, index for index: the pipeline reads these
   * flat arrays instead of each rule object. Callers must not modify the array.
   */
  public CompiledRule[] compiledRulesArray() {
    return compiledRules;
  }

  /** The {@link QualificationRule#memoSlot()} of each rule, index for index; do not modify. */
  public int[] ruleMemoSlotsArray() {
    return ruleMemoSlots;
  }

  /**
   * The {@link QualificationRule#failure()} of each rule, index for index, made once with the
   * snapshot so that a decision removing an offer allocates no reason; do not modify.
   */
  public Reason[] ruleFailuresArray() {
    return ruleFailures;
  }

  /** Pipeline access without copying; callers must not modify the array. */
  public ContactPolicy[] policiesArray() {
    return policies;
  }

  /** {@link ContactPolicyEvaluator#hash(String)} of the key. */
  public long keyHash() {
    return randomStream;
  }

  /** {@link ContactPolicyEvaluator#hash(String)} of the category, 0 without one. */
  public long categoryHash() {
    return categoryHash;
  }

  /** Why the status stage removes this offer, or null when it is active. */
  public Reason statusReason() {
    return statusReason;
  }

  @Override
  public String toString() {
    return "Offer[" + key + "]";
  }

  private record StatusReason(String key, OfferStatus status) implements Reason {
    @Override
    public String code() {
      return "status";
    }

    @Override
    public String text() {
      return "Expected offer '" + key + "' to be active, but it is " + status.wireName();
    }
  }
}
