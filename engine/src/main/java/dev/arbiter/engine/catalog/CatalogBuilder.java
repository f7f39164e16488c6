package dev.arbiter.engine.catalog;

import dev.arbiter.engine.arbitration.ArbitrationProfile;
import dev.arbiter.engine.arbitration.Factors;
import dev.arbiter.engine.arbitration.Formula;
import dev.arbiter.engine.policy.ContactPolicy;
import dev.arbiter.engine.policy.PolicyScopeType;
import dev.arbiter.engine.policy.PolicyType;
import dev.arbiter.engine.rules.CompiledRule;
import dev.arbiter.engine.rules.JsonLogic;
import dev.arbiter.engine.rules.PathTable;
import dev.arbiter.engine.rules.RuleCompilationException;
import dev.arbiter.engine.rules.RuleProblem;
import dev.arbiter.engine.scoring.ExternalModel;
import dev.arbiter.engine.scoring.FeaturePath;
import dev.arbiter.engine.scoring.LogisticModel;
import dev.arbiter.engine.scoring.NaiveBayesModel;
import dev.arbiter.engine.scoring.ScorecardModel;
import dev.arbiter.engine.scoring.ScoringModel;
import dev.arbiter.engine.scoring.SeededRandom;
import dev.arbiter.engine.scoring.ThompsonModel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Validates catalog definitions and compiles them into a {@link CatalogSnapshot}. Every problem is
 * reported, each with a field path; nothing is thrown for bad input. The per-resource {@code
 * validate…} methods check one definition on its own (paths relative to it, references to other
 * resources not checked), which is what a create or update call needs. Stateless and thread-safe.
 */
public final class CatalogBuilder {
  private static final int MAX_OFFERS_PER_DECISION = 1_000;

  private CatalogBuilder() {}

  /** Builds a snapshot, or returns every violation found. */
  public static CatalogBuildResult build(CatalogDefinition definition) {
    return new Build(definition).run();
  }

  /** Problems of one offer on its own; paths relative to the offer. */
  public static List<CatalogViolation> validateOffer(OfferDefinition offer) {
    Violations v = new Violations();
    compileOffer(offer, "", v);
    return List.copyOf(v.list);
  }

  /** Problems of one qualification rule on its own (offer references are not checked). */
  public static List<CatalogViolation> validateRule(QualificationRuleDefinition rule) {
    Violations v = new Violations();
    compileRule(rule, "", v, 0, null);
    return List.copyOf(v.list);
  }

  /** Problems of one contact policy on its own (offer references are not checked). */
  public static List<CatalogViolation> validatePolicy(ContactPolicyDefinition policy) {
    Violations v = new Violations();
    compilePolicy(policy, "", v, 0);
    return List.copyOf(v.list);
  }

  /**
   * One contact policy as the engine counts it, on its own (offer references are not checked); null
   * when it has problems ({@link #validatePolicy}).
   */
  public static ContactPolicy policy(ContactPolicyDefinition policy) {
    return compilePolicy(policy, "", new Violations(), 0);
  }

  /**
   * One model as the engine runs it, on its own (a scorecard's paths resolved without a snapshot's
   * table); null when it has problems ({@link #validateModel}).
   */
  public static ScoringModel model(ModelDefinition model) {
    return compileModel(model, "", new Violations(), null);
  }

  /** Problems of one model on its own, including its {@code config}. */
  public static List<CatalogViolation> validateModel(ModelDefinition model) {
    Violations v = new Violations();
    compileModel(model, "", v, null);
    return List.copyOf(v.list);
  }

  /** Problems of one arbitration profile on its own. */
  public static List<CatalogViolation> validateProfile(ArbitrationProfileDefinition profile) {
    Violations v = new Violations();
    compileProfile(profile, "", v);
    return List.copyOf(v.list);
  }

  /** Problems of one flow on its own (model, profile and offer references are not checked). */
  public static List<CatalogViolation> validateFlow(FlowDefinition flow) {
    Violations v = new Violations();
    checkFlowShape(flow, "", v);
    return List.copyOf(v.list);
  }

  // ---------------------------------------------------------------------------------------------
  // Whole catalog

  private static final class Build {
    private final CatalogDefinition def;
    private final Violations v = new Violations();

    /**
     * Slots for the customer and request paths of every rule of the catalog, so that a decision
     * resolves each once; {@code offer} changes per offer and has none.
     */
    private final PathTable table = PathTable.forRoots("customer", "request");

    Build(CatalogDefinition def) {
      this.def = def;
    }

    CatalogBuildResult run() {
      Map<String, OfferParts> offers = new TreeMap<>();
      for (int i = 0; i < def.offers().size(); i++) {
        OfferDefinition o = def.offers().get(i);
        String path = entryPath("offers", o == null ? null : o.key(), i);
        if (o == null) {
          v.add(path, "must not be null");
          continue;
        }
        OfferParts parts = compileOffer(o, path, v);
        if (parts != null && offers.putIfAbsent(parts.key, parts) != null) {
          v.add(path + ".key", "duplicate key '" + parts.key + "'");
        }
      }

      List<QualificationRule> rules = new ArrayList<>();
      // Index for index with rules: the expression as defined when it reads no offer data, else
      // null. Rules with equal such expressions share one evaluation per decision.
      List<Object> offerFreeExpressions = new ArrayList<>();
      Set<String> ruleKeys = new HashSet<>();
      List<QualificationRuleDefinition> sortedRules = sortedByKey(def.rules(), r -> r.key());
      for (int i = 0; i < sortedRules.size(); i++) {
        QualificationRuleDefinition r = sortedRules.get(i);
        String path = entryPath("qualificationRules", r == null ? null : r.key(), i);
        if (r == null) {
          v.add(path, "must not be null");
          continue;
        }
        if (r.key() != null && !ruleKeys.add(r.key())) {
          v.add(path + ".key", "duplicate key '" + r.key() + "'");
          continue;
        }
        boolean active = r.status() == null || "active".equals(r.status());
        QualificationRule rule = compileRule(r, path, v, rules.size(), table);
        if (rule != null
            && rule.scopeType() == RuleScopeType.OFFER
            && !offers.containsKey(rule.scopeValue())
            && !offerDefined(rule.scopeValue())) {
          v.add(
              path + ".scope.value",
              "names offer '" + rule.scopeValue() + "', which does not exist");
        }
        if (rule != null && active) {
          rules.add(
              rule.scopeType() == RuleScopeType.OFFER
                  ? specialiseForOffer(rule, r.expression(), offers.get(rule.scopeValue()), table)
                  : rule);
          offerFreeExpressions.add(rule.readsOffer() ? null : r.expression());
        }
      }

      int memoSlots = memoSlots(rules, offerFreeExpressions);

      List<ContactPolicy> policies = new ArrayList<>();
      Set<String> policyKeys = new HashSet<>();
      List<ContactPolicyDefinition> sortedPolicies = sortedByKey(def.policies(), p -> p.key());
      for (int i = 0; i < sortedPolicies.size(); i++) {
        ContactPolicyDefinition p = sortedPolicies.get(i);
        String path = entryPath("contactPolicies", p == null ? null : p.key(), i);
        if (p == null) {
          v.add(path, "must not be null");
          continue;
        }
        if (p.key() != null && !policyKeys.add(p.key())) {
          v.add(path + ".key", "duplicate key '" + p.key() + "'");
          continue;
        }
        boolean active = p.status() == null || "active".equals(p.status());
        ContactPolicy policy = compilePolicy(p, path, v, policies.size());
        if (policy != null
            && policy.scopeType() == PolicyScopeType.OFFER
            && policy.scopeValue() != null
            && !offers.containsKey(policy.scopeValue())
            && !offerDefined(policy.scopeValue())) {
          v.add(
              path + ".scope.value",
              "names offer '" + policy.scopeValue() + "', which does not exist");
        }
        if (policy != null && active) {
          policies.add(policy);
        }
      }

      Map<String, ScoringModel> models = new HashMap<>();
      for (int i = 0; i < def.models().size(); i++) {
        ModelDefinition m = def.models().get(i);
        String path = entryPath("models", m == null ? null : m.key(), i);
        if (m == null) {
          v.add(path, "must not be null");
          continue;
        }
        ScoringModel model = compileModel(m, path, v, table);
        if (model != null && models.putIfAbsent(model.key(), model) != null) {
          v.add(path + ".key", "duplicate key '" + model.key() + "'");
        }
      }

      Map<String, ArbitrationProfile> profiles = new HashMap<>();
      for (int i = 0; i < def.profiles().size(); i++) {
        ArbitrationProfileDefinition p = def.profiles().get(i);
        String path = entryPath("arbitrationProfiles", p == null ? null : p.key(), i);
        if (p == null) {
          v.add(path, "must not be null");
          continue;
        }
        ArbitrationProfile profile = compileProfile(p, path, v);
        if (profile != null && profiles.putIfAbsent(profile.key(), profile) != null) {
          v.add(path + ".key", "duplicate key '" + profile.key() + "'");
        }
      }

      // Flows need finished offers, so offers are assembled first (only used when valid).
      List<Offer> offerList = new ArrayList<>(offers.size());
      Map<String, Offer> offersByKey = new HashMap<>();
      // Offers with the same policies share one array, which then stays in the CPU caches.
      Map<List<ContactPolicy>, ContactPolicy[]> sharedPolicyLists = new HashMap<>();
      for (OfferParts parts : offers.values()) {
        Offer offer = parts.assemble(offerList.size(), rules, policies, sharedPolicyLists);
        offerList.add(offer);
        offersByKey.put(offer.key(), offer);
      }
      Map<String, List<Offer>> byCategory = new HashMap<>();
      for (Offer offer : offerList) {
        if (offer.category() != null) {
          byCategory.computeIfAbsent(offer.category(), k -> new ArrayList<>()).add(offer);
        }
      }

      Map<String, Flow> flows = new HashMap<>();
      Map<String, Flow> routes = new HashMap<>();
      Map<String, String> routeOwners = new HashMap<>();
      List<FlowDefinition> sortedFlows = sortedByKey(def.flows(), f -> f.key());
      for (int i = 0; i < sortedFlows.size(); i++) {
        FlowDefinition f = sortedFlows.get(i);
        String path = entryPath("flows", f == null ? null : f.key(), i);
        if (f == null) {
          v.add(path, "must not be null");
          continue;
        }
        int before = v.size();
        checkFlowShape(f, path, v);
        ScoringModel model = null;
        if (f.modelKey() != null) {
          model = models.get(f.modelKey());
          if (model == null && !modelDefined(f.modelKey())) {
            v.add(path + ".modelKey", "names model '" + f.modelKey() + "', which does not exist");
          }
        }
        ArbitrationProfile profile = ArbitrationProfile.DEFAULT;
        if (f.arbitrationProfileKey() != null) {
          profile = profiles.get(f.arbitrationProfileKey());
          if (profile == null && !profileDefined(f.arbitrationProfileKey())) {
            v.add(
                path + ".arbitrationProfileKey",
                "names arbitration profile '"
                    + f.arbitrationProfileKey()
                    + "', which does not exist");
          }
        }
        Map<String, Offer> candidates = new TreeMap<>();
        InventoryDefinition inventory = f.inventory();
        if (inventory != null) {
          List<String> keys = inventory.offers() == null ? List.of() : inventory.offers();
          for (int k = 0; k < keys.size(); k++) {
            String key = keys.get(k);
            Offer offer = key == null ? null : offersByKey.get(key);
            if (offer == null) {
              if (key == null || !offers.containsKey(key) && !offerDefined(key)) {
                v.add(
                    path + ".inventory.offers[" + k + "]",
                    "names offer '" + key + "', which does not exist");
              }
            } else {
              candidates.put(key, offer);
            }
          }
          if (inventory.categories() != null) {
            for (String category : inventory.categories()) {
              for (Offer offer : byCategory.getOrDefault(category, List.of())) {
                candidates.put(offer.key(), offer);
              }
            }
          }
        }
        if (v.size() > before || f.key() == null) {
          continue;
        }
        Flow flow =
            new Flow(
                f.id(),
                f.key(),
                f.name(),
                f.channel(),
                f.placement(),
                f.version(),
                f.maxOffers(),
                model,
                profile == null ? ArbitrationProfile.DEFAULT : profile,
                f.arbitrationProfileKey() == null,
                candidates.values().toArray(new Offer[0]));
        if (flows.putIfAbsent(f.key(), flow) != null) {
          v.add(path + ".key", "duplicate key '" + f.key() + "'");
          continue;
        }
        String route = CatalogSnapshot.routeKey(f.channel(), f.placement());
        String owner = routeOwners.putIfAbsent(route, f.key());
        if (owner != null) {
          v.add(
              path,
              "channel '"
                  + f.channel()
                  + "' placement '"
                  + f.placement()
                  + "' is already served by flow '"
                  + owner
                  + "'");
        } else {
          routes.put(route, flow);
        }
      }

      if (!v.isEmpty()) {
        return new CatalogBuildResult(null, v.list);
      }
      CatalogSnapshot snapshot =
          new CatalogSnapshot(
              table.freeze(),
              def.tenantId(),
              def.catalogVersion(),
              List.copyOf(offerList),
              Map.copyOf(offersByKey),
              List.copyOf(rules),
              memoSlots,
              List.copyOf(policies),
              Map.copyOf(models),
              Map.copyOf(profiles),
              Map.copyOf(flows),
              Map.copyOf(routes));
      return new CatalogBuildResult(snapshot, List.of());
    }

    // A reference to a resource that exists but is itself invalid is reported on that resource
    // only, not again on every reference.
    private boolean modelDefined(String key) {
      return def.models().stream().anyMatch(m -> m != null && key.equals(m.key()));
    }

    private boolean profileDefined(String key) {
      return def.profiles().stream().anyMatch(p -> p != null && key.equals(p.key()));
    }

    private boolean offerDefined(String key) {
      return def.offers().stream().anyMatch(o -> o != null && key.equals(o.key()));
    }
  }

  /**
   * Gives a per-decision memo slot to each rule whose one evaluation can serve several offers: a
   * rule that reads no offer data and applies to more than one offer, or whose expression (equal as
   * defined, before any specialisation) other such rules share; rules with equal expressions share
   * the slot. Catalogs often repeat one eligibility condition on many offers, each its own rule.
   *
   * @return how many slots were given
   */
  private static int memoSlots(List<QualificationRule> rules, List<Object> offerFreeExpressions) {
    Map<Object, Integer> uses = new HashMap<>();
    for (Object expression : offerFreeExpressions) {
      if (expression != null) {
        uses.merge(expression, 1, Integer::sum);
      }
    }
    Map<Object, Integer> slots = new HashMap<>();
    for (int i = 0; i < rules.size(); i++) {
      QualificationRule rule = rules.get(i);
      Object expression = offerFreeExpressions.get(i);
      if (expression != null && (rule.memoizable() || uses.get(expression) > 1)) {
        rules.set(i, rule.withMemoSlot(slots.computeIfAbsent(expression, e -> slots.size())));
      }
    }
    return slots.size();
  }

  /**
   * A rule scoped to one offer reads that offer's fields as constants (see {@link
   * RuleAnalysis#specialise}); compiling them in makes the rule cheaper on every decision.
   */
  private static QualificationRule specialiseForOffer(
      QualificationRule rule, Object expression, OfferParts offer, PathTable table) {
    if (rule.scopeType() != RuleScopeType.OFFER || !rule.readsOffer() || offer == null) {
      return rule;
    }
    Object specialised = RuleAnalysis.specialise(expression, offer.ruleView());
    if (specialised == expression) {
      return rule;
    }
    CompiledRule compiled;
    try {
      compiled = JsonLogic.compile(specialised, table);
    } catch (RuleCompilationException | RuntimeException e) {
      // The general rule compiled; keep it rather than fail on the specialisation.
      return rule;
    }
    return new QualificationRule(
        rule.ordinal(),
        rule.id(),
        rule.key(),
        rule.name(),
        rule.scopeType(),
        rule.scopeValue(),
        compiled,
        RuleAnalysis.mayReadOffer(specialised),
        -1);
  }

  private static <T> List<T> sortedByKey(
      List<T> items, java.util.function.Function<T, String> key) {
    List<T> sorted = new ArrayList<>(items);
    sorted.sort(
        Comparator.nullsLast(
            Comparator.comparing(key, Comparator.nullsLast(Comparator.naturalOrder()))));
    return sorted;
  }

  private static String entryPath(String collection, String key, int index) {
    return key == null || key.isBlank()
        ? collection + "[" + index + "]"
        : collection + "[" + key + "]";
  }

  private static boolean checkKey(String key, String path, Violations v) {
    if (key == null || key.isBlank()) {
      v.add(Violations.join(path, "key"), "is required");
      return false;
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Offers

  /** An offer's validated fields, waiting for the snapshot's rules and policies. */
  private record OfferParts(
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
      List<String> channels,
      List<String> placements,
      Budget budget,
      Map<String, Object> content,
      Map<String, Object> attributes) {

    Offer assemble(
        int ordinal,
        List<QualificationRule> rules,
        List<ContactPolicy> policies,
        Map<List<ContactPolicy>, ContactPolicy[]> sharedPolicyLists) {
      List<QualificationRule> applicable = new ArrayList<>();
      for (QualificationRule rule : rules) {
        if (rule.appliesTo(key, category, subcategory)) {
          applicable.add(rule);
        }
      }
      List<ContactPolicy> applicablePolicies = new ArrayList<>();
      for (ContactPolicy policy : policies) {
        if (policy.appliesToOffer(key, category)) {
          applicablePolicies.add(policy);
        }
      }
      double relevance = Factors.relevance(attributes.get("relevance"));
      return new Offer(
          ordinal,
          id,
          key,
          name,
          description,
          category,
          subcategory,
          status,
          startAt,
          endAt,
          priority,
          value,
          Factors.monetaryValue(value.revenue(), value.margin(), value.cost()),
          channels,
          placements,
          budget,
          content,
          attributes,
          ruleView(),
          SeededRandom.hash(key),
          relevance,
          applicable.toArray(new QualificationRule[0]),
          sharedPolicyLists.computeIfAbsent(
              applicablePolicies, list -> list.toArray(new ContactPolicy[0])));
    }

    private Map<String, Object> ruleView() {
      Map<String, Object> view = new LinkedHashMap<>();
      putIfPresent(view, "id", id);
      view.put("key", key);
      putIfPresent(view, "name", name);
      putIfPresent(view, "category", category);
      putIfPresent(view, "subcategory", subcategory);
      view.put("status", status.wireName());
      view.put("priority", priority);
      Map<String, Object> valueView = new LinkedHashMap<>();
      putIfPresent(valueView, "revenue", value.revenue());
      putIfPresent(valueView, "margin", value.margin());
      putIfPresent(valueView, "cost", value.cost());
      view.put("value", valueView);
      view.put("channels", channels);
      view.put("placements", placements);
      view.put("attributes", attributes);
      @SuppressWarnings("unchecked")
      Map<String, Object> compact = (Map<String, Object>) FrozenJson.compact(view);
      return compact;
    }

    private static void putIfPresent(Map<String, Object> map, String key, Object value) {
      if (value != null) {
        map.put(key, value);
      }
    }
  }

  private static OfferParts compileOffer(OfferDefinition o, String path, Violations v) {
    int before = v.size();
    checkKey(o.key(), path, v);
    if (o.name() == null || o.name().isBlank()) {
      v.add(Violations.join(path, "name"), "is required");
    }
    OfferStatus status = null;
    if (o.status() == null) {
      v.add(Violations.join(path, "status"), "is required (draft, active, paused or retired)");
    } else {
      status = OfferStatus.fromWireName(o.status());
      if (status == null) {
        v.add(
            Violations.join(path, "status"),
            "must be draft, active, paused or retired, not '" + o.status() + "'");
      }
    }
    if (o.startAt() != null && o.endAt() != null && !o.startAt().isBefore(o.endAt())) {
      v.add(
          Violations.join(path, "endAt"),
          "must be after startAt (" + o.startAt() + "), not " + o.endAt());
    }
    if (o.priority() == null) {
      v.add(Violations.join(path, "priority"), "is required (0..100)");
    } else if (o.priority() < 0 || o.priority() > 100) {
      v.add(Violations.join(path, "priority"), "must be between 0 and 100, not " + o.priority());
    }
    OfferValue value = o.value() == null ? OfferValue.NONE : o.value();
    checkMoney(value.revenue(), Violations.join(path, "value.revenue"), v, false);
    checkMoney(value.margin(), Violations.join(path, "value.margin"), v, false);
    checkMoney(value.cost(), Violations.join(path, "value.cost"), v, true);
    List<String> channels = names(o.channels(), Violations.join(path, "channels"), v);
    List<String> placements = names(o.placements(), Violations.join(path, "placements"), v);
    Budget budget = null;
    if (o.budget() != null) {
      BudgetDefinition b = o.budget();
      String at = Violations.join(path, "budget");
      BudgetPeriod period = BudgetPeriod.TOTAL;
      if (b.period() != null) {
        period = BudgetPeriod.fromWireName(b.period());
        if (period == null) {
          v.add(at + ".period", "must be total or day, not '" + b.period() + "'");
        }
      }
      if (b.maxDecisions() == null && b.maxCost() == null) {
        v.add(at, "must set maxDecisions or maxCost");
      }
      if (b.maxDecisions() != null && b.maxDecisions() < 0) {
        v.add(at + ".maxDecisions", "must not be negative, not " + b.maxDecisions());
      }
      checkMoney(b.maxCost(), at + ".maxCost", v, true);
      if (v.size() == before) {
        budget = new Budget(b.maxDecisions(), b.maxCost(), period);
      }
    }
    if (v.size() > before) {
      return null;
    }
    return new OfferParts(
        o.id(),
        o.key(),
        o.name(),
        o.description(),
        blankToNull(o.category()),
        blankToNull(o.subcategory()),
        status,
        o.startAt(),
        o.endAt(),
        o.priority(),
        value,
        channels,
        placements,
        budget,
        FrozenJson.freezeObject(o.content()),
        FrozenJson.freezeObject(o.attributes()));
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static void checkMoney(Double amount, String path, Violations v, boolean nonNegative) {
    if (amount == null) {
      return;
    }
    if (!Double.isFinite(amount)) {
      v.add(path, "must be a finite number, not " + amount);
    } else if (nonNegative && amount < 0) {
      v.add(path, "must not be negative, not " + amount);
    }
  }

  private static List<String> names(List<String> names, String path, Violations v) {
    if (names == null) {
      return List.of();
    }
    List<String> result = new ArrayList<>(names.size());
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      if (name == null || name.isBlank()) {
        v.add(path + "[" + i + "]", "must be a non-empty string");
      } else if (!result.contains(name)) {
        result.add(name);
      }
    }
    return List.copyOf(result);
  }

  // ---------------------------------------------------------------------------------------------
  // Qualification rules

  private static QualificationRule compileRule(
      QualificationRuleDefinition r, String path, Violations v, int ordinal, PathTable table) {
    int before = v.size();
    checkKey(r.key(), path, v);
    if (r.status() != null && !r.status().equals("active") && !r.status().equals("inactive")) {
      v.add(
          Violations.join(path, "status"), "must be active or inactive, not '" + r.status() + "'");
    }
    RuleScopeType scopeType = null;
    String scopeValue = null;
    String scopePath = Violations.join(path, "scope");
    if (r.scope() == null || r.scope().type() == null) {
      v.add(scopePath + ".type", "is required (all, category, subcategory or offer)");
    } else {
      scopeType = RuleScopeType.fromWireName(r.scope().type());
      scopeValue = blankToNull(r.scope().value());
      if (scopeType == null) {
        v.add(
            scopePath + ".type",
            "must be all, category, subcategory or offer, not '" + r.scope().type() + "'");
      } else if (scopeType == RuleScopeType.ALL && scopeValue != null) {
        v.add(scopePath + ".value", "must be absent for scope all");
      } else if (scopeType != RuleScopeType.ALL && scopeValue == null) {
        v.add(scopePath + ".value", "is required for scope " + scopeType.wireName());
      }
    }
    CompiledRule compiled =
        compileExpression(r.expression(), Violations.join(path, "expression"), v, table);
    if (v.size() > before) {
      return null;
    }
    return new QualificationRule(
        ordinal,
        r.id(),
        r.key(),
        r.name(),
        scopeType,
        scopeValue,
        compiled,
        RuleAnalysis.mayReadOffer(r.expression()),
        -1);
  }

  private static CompiledRule compileExpression(
      Object expression, String path, Violations v, PathTable table) {
    if (expression == null) {
      v.add(path, "is required");
      return null;
    }
    try {
      return JsonLogic.compile(expression, table);
    } catch (RuleCompilationException e) {
      for (RuleProblem problem : e.problems()) {
        String at =
            problem.path() == null || problem.path().isEmpty() ? path : path + problem.path();
        v.add(at, problem.message());
      }
      if (e.problems().isEmpty()) {
        v.add(path, e.getMessage());
      }
      return null;
    } catch (RuntimeException e) {
      v.add(path, "could not be compiled: " + e.getMessage());
      return null;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Contact policies

  private static ContactPolicy compilePolicy(
      ContactPolicyDefinition p, String path, Violations v, int ordinal) {
    int before = v.size();
    checkKey(p.key(), path, v);
    if (p.status() != null && !p.status().equals("active") && !p.status().equals("inactive")) {
      v.add(
          Violations.join(path, "status"), "must be active or inactive, not '" + p.status() + "'");
    }
    PolicyType type = null;
    if (p.type() == null) {
      v.add(
          Violations.join(path, "type"),
          "is required (frequency_cap, cooldown or channel_fatigue)");
    } else {
      type = PolicyType.fromWireName(p.type());
      if (type == null) {
        v.add(
            Violations.join(path, "type"),
            "must be frequency_cap, cooldown or channel_fatigue, not '" + p.type() + "'");
      }
    }
    PolicyScopeType scopeType = null;
    String scopeValue = null;
    String scopePath = Violations.join(path, "scope");
    if (p.scope() == null || p.scope().type() == null) {
      v.add(scopePath + ".type", "is required (global, channel, category or offer)");
    } else {
      scopeType = PolicyScopeType.fromWireName(p.scope().type());
      scopeValue = blankToNull(p.scope().value());
      if (scopeType == null) {
        v.add(
            scopePath + ".type",
            "must be global, channel, category or offer, not '" + p.scope().type() + "'");
      } else if (scopeType == PolicyScopeType.GLOBAL && scopeValue != null) {
        v.add(scopePath + ".value", "must be absent for scope global");
      }
    }
    Map<String, ?> config = p.config() == null ? Map.of() : p.config();
    String at = Violations.join(path, "config");
    String outcome = null;
    Integer max = 0;
    Duration window = null;
    String windowText = null;
    String channel = null;
    if (type != null) {
      switch (type) {
        case FREQUENCY_CAP -> {
          v.unknownFields(config, at, "outcome", "max", "window");
          outcome = v.string(config, "outcome", at, "impression");
          max = v.integer(config, "max", at, null, 1, Integer.MAX_VALUE);
          window = Durations.parse(config.get("window"), at + ".window", v);
          windowText = String.valueOf(config.get("window"));
        }
        case COOLDOWN -> {
          v.unknownFields(config, at, "outcome", "duration");
          outcome = v.string(config, "outcome", at, null);
          window = Durations.parse(config.get("duration"), at + ".duration", v);
          windowText = String.valueOf(config.get("duration"));
        }
        case CHANNEL_FATIGUE -> {
          v.unknownFields(config, at, "channel", "max", "window", "outcome");
          if (config.get("channel") != null) {
            channel = v.string(config, "channel", at, null);
          }
          outcome = v.string(config, "outcome", at, "impression");
          max = v.integer(config, "max", at, null, 1, Integer.MAX_VALUE);
          window = Durations.parse(config.get("window"), at + ".window", v);
          windowText = String.valueOf(config.get("window"));
        }
      }
    }
    if (v.size() > before) {
      return null;
    }
    return new ContactPolicy(
        ordinal,
        p.key(),
        p.name(),
        type,
        scopeType,
        scopeValue,
        outcome,
        max,
        window,
        windowText,
        channel);
  }

  // ---------------------------------------------------------------------------------------------
  // Models

  private static ScoringModel compileModel(
      ModelDefinition m, String path, Violations v, PathTable table) {
    int before = v.size();
    checkKey(m.key(), path, v);
    Double fallback = m.fallbackScore();
    if (fallback == null) {
      v.add(Violations.join(path, "fallbackScore"), "is required (0..1)");
    } else if (!(fallback >= 0 && fallback <= 1)) {
      v.add(Violations.join(path, "fallbackScore"), "must be between 0 and 1, not " + fallback);
    }
    Map<String, ?> config = m.config() == null ? Map.of() : m.config();
    String at = Violations.join(path, "config");
    if (m.type() == null) {
      v.add(
          Violations.join(path, "type"),
          "is required (scorecard, thompson, naive_bayes, logistic, external)");
      return null;
    }
    ScoringModel model =
        switch (m.type()) {
          case "scorecard" -> scorecard(m.key(), fallback, config, at, v, table);
          case "thompson" -> thompson(m.key(), fallback, config, at, v);
          case "naive_bayes" -> naiveBayes(m.key(), fallback, config, at, v);
          case "logistic" -> logistic(m.key(), fallback, config, at, v);
          case "external" -> external(m.key(), fallback, config, at, v);
          case "onnx" -> {
            v.add(
                Violations.join(path, "type"),
                "onnx models are not run by this server: serve the model behind an HTTP endpoint"
                    + " and use type external");
            yield null;
          }
          default -> {
            v.add(
                Violations.join(path, "type"),
                "'"
                    + m.type()
                    + "' is not a model type the engine runs (scorecard, thompson, naive_bayes,"
                    + " logistic, external)");
            yield null;
          }
        };
    return v.size() > before ? null : model;
  }

  private static ScoringModel external(
      String key, Double fallback, Map<String, ?> config, String at, Violations v) {
    int before = v.size();
    v.unknownFields(config, at, "url", "timeoutMs");
    String text = v.string(config, "url", at, null);
    java.net.URI url = null;
    if (text != null) {
      try {
        url = new java.net.URI(text);
      } catch (java.net.URISyntaxException e) {
        v.add(at + ".url", "is not a URL: " + e.getMessage());
      }
      if (url != null) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!url.isAbsolute() || !(scheme.equals("http") || scheme.equals("https"))) {
          v.add(at + ".url", "must be an absolute http or https URL, not '" + text + "'");
        } else if (url.getHost() == null) {
          v.add(at + ".url", "must name a host, not '" + text + "'");
        } else if (url.getRawUserInfo() != null) {
          v.add(at + ".url", "must not hold credentials (anyone who can read models sees them)");
        } else if (url.getRawFragment() != null) {
          v.add(at + ".url", "must not have a fragment");
        }
      }
    }
    Integer timeoutMs =
        v.integer(
            config,
            "timeoutMs",
            at,
            ExternalModel.DEFAULT_TIMEOUT_MS,
            ExternalModel.MIN_TIMEOUT_MS,
            ExternalModel.MAX_TIMEOUT_MS);
    if (v.size() > before || fallback == null || !(fallback >= 0 && fallback <= 1)) {
      return null;
    }
    return new ExternalModel(key == null ? "" : key, fallback, url, Duration.ofMillis(timeoutMs));
  }

  private static ScoringModel thompson(
      String key, Double fallback, Map<String, ?> config, String at, Violations v) {
    int before = v.size();
    v.unknownFields(config, at, "prior", "minEvidence");
    double alpha = 1;
    double beta = 1;
    Map<String, ?> prior = v.object(config, "prior", at, false);
    if (prior != null) {
      String priorPath = at + ".prior";
      v.unknownFields(prior, priorPath, "alpha", "beta");
      Double a = v.number(prior, "alpha", priorPath, 1.0);
      Double b = v.number(prior, "beta", priorPath, 1.0);
      if (a != null && !(a > 0)) {
        v.add(priorPath + ".alpha", "must be positive, not " + a);
      }
      if (b != null && !(b > 0)) {
        v.add(priorPath + ".beta", "must be positive, not " + b);
      }
      alpha = a == null ? 1 : a;
      beta = b == null ? 1 : b;
    }
    Double minEvidence = v.number(config, "minEvidence", at, 10.0);
    if (minEvidence != null && minEvidence < 0) {
      v.add(at + ".minEvidence", "must not be negative, not " + minEvidence);
    }
    if (v.size() > before || fallback == null || !(fallback >= 0 && fallback <= 1)) {
      return null;
    }
    return new ThompsonModel(key == null ? "" : key, fallback, alpha, beta, minEvidence);
  }

  private static ScoringModel logistic(
      String key, Double fallback, Map<String, ?> config, String at, Violations v) {
    int before = v.size();
    v.unknownFields(config, at, "intercept", "weights", "missing");
    Double intercept = v.number(config, "intercept", at, 0.0);
    Map<String, ?> weights = v.object(config, "weights", at, true);
    List<LogisticModel.Feature> features = new ArrayList<>();
    if (weights != null) {
      if (weights.isEmpty()) {
        v.add(at + ".weights", "must name at least one feature");
      }
      for (Map.Entry<String, ?> e : weights.entrySet()) {
        String featurePath = at + ".weights." + e.getKey();
        String problem = FeaturePath.problem(e.getKey());
        if (problem != null) {
          v.add(featurePath, problem);
          continue;
        }
        if (!(e.getValue() instanceof Number n) || !Double.isFinite(n.doubleValue())) {
          v.add(featurePath, "must be a finite number, not " + Violations.describe(e.getValue()));
          continue;
        }
        features.add(new LogisticModel.Feature(FeaturePath.of(e.getKey()), n.doubleValue()));
      }
    }
    String missing = v.string(config, "missing", at, "fallback");
    if (missing != null && !missing.equals("fallback") && !missing.equals("zero")) {
      v.add(at + ".missing", "must be fallback or zero, not '" + missing + "'");
    }
    if (v.size() > before || fallback == null || !(fallback >= 0 && fallback <= 1)) {
      return null;
    }
    return new LogisticModel(
        key == null ? "" : key, fallback, intercept, features, "zero".equals(missing));
  }

  private static ScoringModel naiveBayes(
      String key, Double fallback, Map<String, ?> config, String at, Violations v) {
    int before = v.size();
    v.unknownFields(config, at, "predictors");
    List<?> raw = v.array(config, "predictors", at, true);
    List<NaiveBayesModel.Predictor> predictors = new ArrayList<>();
    if (raw != null && raw.isEmpty()) {
      v.add(at + ".predictors", "must list at least one predictor");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; raw != null && i < raw.size(); i++) {
      String p = at + ".predictors[" + i + "]";
      if (!(raw.get(i) instanceof Map<?, ?> rawMap)) {
        v.add(p, "must be an object, not " + Violations.describe(raw.get(i)));
        continue;
      }
      @SuppressWarnings("unchecked")
      Map<String, ?> spec = (Map<String, ?>) rawMap;
      int start = v.size();
      v.unknownFields(spec, p, "name", "path", "type", "bins", "values");
      String name = v.string(spec, "name", p, null);
      if (name != null && !names.add(name)) {
        v.add(p + ".name", "duplicate predictor '" + name + "'");
      }
      String pathText = v.string(spec, "path", p, name == null ? "" : "customer." + name);
      String pathProblem = pathText == null ? null : FeaturePath.problem(pathText);
      if (pathProblem != null && pathText != null && !pathText.isEmpty()) {
        v.add(p + ".path", pathProblem);
      }
      String type = v.string(spec, "type", p, null);
      List<Double> bounds = new ArrayList<>();
      List<String> values = new ArrayList<>();
      if ("numeric".equals(type)) {
        if (spec.get("values") != null) {
          v.add(p + ".values", "is for symbolic predictors; numeric ones use bins");
        }
        List<?> bins = v.array(spec, "bins", p, true);
        if (bins != null && bins.isEmpty()) {
          v.add(p + ".bins", "must list at least one boundary");
        }
        for (int b = 0; bins != null && b < bins.size(); b++) {
          Object bound = bins.get(b);
          if (!(bound instanceof Number n) || !Double.isFinite(n.doubleValue())) {
            v.add(
                p + ".bins[" + b + "]",
                "must be a finite number, not " + Violations.describe(bound));
          } else if (!bounds.isEmpty() && !(n.doubleValue() > bounds.get(bounds.size() - 1))) {
            v.add(p + ".bins[" + b + "]", "must be greater than the boundary before it");
          } else {
            bounds.add(n.doubleValue());
          }
        }
      } else if ("symbolic".equals(type)) {
        if (spec.get("bins") != null) {
          v.add(p + ".bins", "is for numeric predictors; symbolic ones use values");
        }
        List<?> listed = v.array(spec, "values", p, true);
        if (listed != null && listed.isEmpty()) {
          v.add(p + ".values", "must list at least one value");
        }
        for (int s = 0; listed != null && s < listed.size(); s++) {
          Object value = listed.get(s);
          if (!(value instanceof String text)) {
            v.add(p + ".values[" + s + "]", "must be a string, not " + Violations.describe(value));
          } else if (values.contains(text)) {
            v.add(p + ".values[" + s + "]", "duplicate value '" + text + "'");
          } else {
            values.add(text);
          }
        }
      } else if (type != null) {
        v.add(p + ".type", "must be numeric or symbolic, not '" + type + "'");
      }
      if (v.size() == start) {
        predictors.add(
            new NaiveBayesModel.Predictor(
                name, FeaturePath.of(pathText), "numeric".equals(type), bounds, values));
      }
    }
    if (v.size() > before || fallback == null || !(fallback >= 0 && fallback <= 1)) {
      return null;
    }
    return new NaiveBayesModel(key == null ? "" : key, fallback, predictors);
  }

  private static ScoringModel scorecard(
      String key,
      Double fallback,
      Map<String, ?> config,
      String at,
      Violations v,
      PathTable table) {
    int before = v.size();
    v.unknownFields(config, at, "baseScore", "conditions", "normalisation");
    Double base = v.number(config, "baseScore", at, 0.0);
    List<?> raw = v.array(config, "conditions", at, true);
    List<ScorecardModel.Condition> conditions = new ArrayList<>();
    for (int i = 0; raw != null && i < raw.size(); i++) {
      String p = at + ".conditions[" + i + "]";
      if (!(raw.get(i) instanceof Map<?, ?> rawMap)) {
        v.add(p, "must be an object, not " + Violations.describe(raw.get(i)));
        continue;
      }
      @SuppressWarnings("unchecked")
      Map<String, ?> spec = (Map<String, ?>) rawMap;
      int start = v.size();
      v.unknownFields(spec, p, "name", "points", "rule", "attribute", "op", "value");
      String name = v.string(spec, "name", p, null);
      Double points = v.number(spec, "points", p, null);
      boolean hasRule = spec.get("rule") != null;
      boolean hasAttribute = spec.get("attribute") != null;
      if (hasRule == hasAttribute) {
        v.add(p, "must have either rule (JSON Logic) or attribute + op + value");
        continue;
      }
      if (hasRule) {
        for (String field : new String[] {"op", "value"}) {
          if (spec.get(field) != null) {
            v.add(p + "." + field, "belongs to attribute conditions, not rule conditions");
          }
        }
        CompiledRule rule = compileExpression(spec.get("rule"), p + ".rule", v, table);
        if (v.size() == start) {
          conditions.add(
              new ScorecardModel.RuleCondition(
                  name, rule, points, RuleAnalysis.mayReadOffer(spec.get("rule"))));
        }
        continue;
      }
      String attribute = v.string(spec, "attribute", p, null);
      String attributeProblem = attribute == null ? null : FeaturePath.problem(attribute);
      if (attributeProblem != null) {
        v.add(p + ".attribute", attributeProblem);
      }
      String opText = v.string(spec, "op", p, null);
      ScorecardModel.Operator op =
          opText == null ? null : ScorecardModel.Operator.fromSymbol(opText);
      if (opText != null && op == null) {
        v.add(p + ".op", "must be one of == != > >= < <= in not_in exists, not '" + opText + "'");
      }
      Object value = spec.get("value");
      if (op != null) {
        switch (op) {
          case EXISTS -> {
            if (value != null) {
              v.add(p + ".value", "must be absent for exists");
            }
          }
          case IN, NOT_IN -> {
            if (!(value instanceof List<?> list) || list.isEmpty()) {
              v.add(p + ".value", "must be a non-empty array for " + op.symbol());
            }
          }
          case GT, GE, LT, LE -> {
            if (!(value instanceof Number || value instanceof String)) {
              v.add(p + ".value", "must be a number or string, not " + Violations.describe(value));
            }
          }
          case EQ, NE -> {
            if (!(value instanceof Number || value instanceof String || value instanceof Boolean)) {
              v.add(
                  p + ".value",
                  "must be a number, string or boolean, not " + Violations.describe(value));
            }
          }
        }
      }
      if (v.size() == start) {
        conditions.add(
            new ScorecardModel.PredicateCondition(
                name, FeaturePath.of(attribute), op, FrozenJson.freeze(value), points));
      }
    }
    ScorecardModel.Normalisation normalisation = ScorecardModel.Normalisation.sigmoid(0, 1);
    Map<String, ?> norm = v.object(config, "normalisation", at, false);
    if (norm != null) {
      String p = at + ".normalisation";
      String type = v.string(norm, "type", p, null);
      if ("sigmoid".equals(type)) {
        v.unknownFields(norm, p, "type", "midpoint", "scale");
        Double midpoint = v.number(norm, "midpoint", p, 0.0);
        Double scale = v.number(norm, "scale", p, 1.0);
        if (scale != null && !(scale > 0)) {
          v.add(p + ".scale", "must be positive, not " + scale);
        } else if (midpoint != null && scale != null) {
          normalisation = ScorecardModel.Normalisation.sigmoid(midpoint, scale);
        }
      } else if ("linear".equals(type)) {
        v.unknownFields(norm, p, "type", "min", "max");
        Double min = v.number(norm, "min", p, null);
        Double max = v.number(norm, "max", p, null);
        if (min != null && max != null) {
          if (!(max > min)) {
            v.add(p + ".max", "must be greater than min (" + min + "), not " + max);
          } else {
            normalisation = ScorecardModel.Normalisation.linear(min, max);
          }
        }
      } else if (type != null) {
        v.add(p + ".type", "must be sigmoid or linear, not '" + type + "'");
      }
    }
    if (v.size() > before || fallback == null || !(fallback >= 0 && fallback <= 1)) {
      return null;
    }
    return new ScorecardModel(key == null ? "" : key, fallback, base, conditions, normalisation);
  }

  // ---------------------------------------------------------------------------------------------
  // Arbitration profiles and flows

  private static ArbitrationProfile compileProfile(
      ArbitrationProfileDefinition p, String path, Violations v) {
    int before = v.size();
    checkKey(p.key(), path, v);
    Formula formula = null;
    if (p.formula() == null) {
      v.add(Violations.join(path, "formula"), "is required (prie or weighted_sum)");
    } else {
      formula = Formula.fromWireName(p.formula());
      if (formula == null) {
        v.add(
            Violations.join(path, "formula"),
            "must be prie or weighted_sum, not '" + p.formula() + "'");
      }
    }
    double[] w = new double[4];
    String[] names = {"propensity", "relevance", "value", "priority"};
    String at = Violations.join(path, "weights");
    if (p.weights() == null) {
      v.add(at, "is required ({propensity, relevance, value, priority})");
    } else {
      v.unknownFields(p.weights(), at, names);
      for (int i = 0; i < names.length; i++) {
        Double weight = v.number(p.weights(), names[i], at, 0.0);
        if (weight != null && weight < 0) {
          v.add(at + "." + names[i], "must not be negative, not " + weight);
        } else if (weight != null) {
          w[i] = weight;
        }
      }
      if (v.size() == before && !(w[0] + w[1] + w[2] + w[3] > 0)) {
        v.add(at, "must sum to more than 0");
      }
    }
    if (p.valueMax() != null && !(p.valueMax() > 0 && Double.isFinite(p.valueMax()))) {
      v.add(Violations.join(path, "valueMax"), "must be a positive number, not " + p.valueMax());
    }
    if (v.size() > before) {
      return null;
    }
    return new ArbitrationProfile(p.key(), formula, w[0], w[1], w[2], w[3], p.valueMax());
  }

  private static void checkFlowShape(FlowDefinition f, String path, Violations v) {
    checkKey(f.key(), path, v);
    if (f.channel() == null || f.channel().isBlank()) {
      v.add(Violations.join(path, "channel"), "is required (a channel, or * for any)");
    }
    if (f.placement() == null || f.placement().isBlank()) {
      v.add(Violations.join(path, "placement"), "is required (a placement, or * for any)");
    }
    InventoryDefinition inventory = f.inventory();
    boolean empty =
        inventory == null
            || (inventory.offers() == null || inventory.offers().isEmpty())
                && (inventory.categories() == null || inventory.categories().isEmpty());
    if (empty) {
      v.add(Violations.join(path, "inventory"), "must name offers or categories");
    } else if (inventory.categories() != null) {
      for (int i = 0; i < inventory.categories().size(); i++) {
        String c = inventory.categories().get(i);
        if (c == null || c.isBlank()) {
          v.add(
              Violations.join(path, "inventory.categories[" + i + "]"),
              "must be a non-empty string");
        }
      }
    }
    if (f.maxOffers() == null) {
      v.add(Violations.join(path, "maxOffers"), "is required (at least 1)");
    } else if (f.maxOffers() < 1 || f.maxOffers() > MAX_OFFERS_PER_DECISION) {
      v.add(
          Violations.join(path, "maxOffers"),
          "must be between 1 and " + MAX_OFFERS_PER_DECISION + ", not " + f.maxOffers());
    }
    if (f.version() == null) {
      v.add(Violations.join(path, "version"), "is required (the published version)");
    } else if (f.version() < 1) {
      v.add(Violations.join(path, "version"), "must be at least 1, not " + f.version());
    }
  }
}
