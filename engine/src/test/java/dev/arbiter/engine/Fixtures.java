package dev.arbiter.engine;

import dev.arbiter.engine.catalog.ArbitrationProfileDefinition;
import dev.arbiter.engine.catalog.BudgetDefinition;
import dev.arbiter.engine.catalog.CatalogBuildResult;
import dev.arbiter.engine.catalog.CatalogBuilder;
import dev.arbiter.engine.catalog.CatalogDefinition;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.catalog.ContactPolicyDefinition;
import dev.arbiter.engine.catalog.FlowDefinition;
import dev.arbiter.engine.catalog.InventoryDefinition;
import dev.arbiter.engine.catalog.ModelDefinition;
import dev.arbiter.engine.catalog.OfferDefinition;
import dev.arbiter.engine.catalog.OfferValue;
import dev.arbiter.engine.catalog.QualificationRuleDefinition;
import dev.arbiter.engine.catalog.ScopeDefinition;
import dev.arbiter.engine.pipeline.DecisionRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/** Test fixtures: terse builders for catalog definitions and requests. */
public final class Fixtures {
  public static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private Fixtures() {}

  /** Parses JSON into plain Java values (Map, List, String, Number, Boolean, null). */
  public static Object json(String text) {
    return JSON.readValue(text.replace('\'', '"'), Object.class);
  }

  /** Parses a JSON object. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> object(String text) {
    return (Map<String, Object>) json(text);
  }

  public static OfferSpec offer(String key) {
    return new OfferSpec(key);
  }

  public static FlowSpec flow(String key) {
    return new FlowSpec(key);
  }

  public static CatalogSpec catalog() {
    return new CatalogSpec();
  }

  public static QualificationRuleDefinition rule(
      String key, String scope, String value, String expression) {
    return new QualificationRuleDefinition(
        "id-" + key, key, key, new ScopeDefinition(scope, value), json(expression), "active");
  }

  public static ContactPolicyDefinition policy(
      String key, String type, String scope, String value, String config) {
    return new ContactPolicyDefinition(
        "id-" + key, key, key, type, new ScopeDefinition(scope, value), object(config), "active");
  }

  public static ModelDefinition model(String key, String type, String config, double fallback) {
    return new ModelDefinition("id-" + key, key, key, type, object(config), fallback);
  }

  public static ArbitrationProfileDefinition profile(String key, String formula, String weights) {
    return new ArbitrationProfileDefinition("id-" + key, key, key, formula, object(weights), null);
  }

  public static RequestSpec request() {
    return new RequestSpec();
  }

  /** A fluent offer definition; defaults: active, priority 50, margin 10, no restrictions. */
  public static final class OfferSpec {
    private final String key;
    private String name;
    private String category;
    private String subcategory;
    private String status = "active";
    private Instant startAt;
    private Instant endAt;
    private Integer priority = 50;
    private OfferValue value = new OfferValue(null, 10.0, null);
    private List<String> channels;
    private List<String> placements;
    private BudgetDefinition budget;
    private Map<String, Object> content = Map.of();
    private Map<String, Object> attributes = Map.of();

    OfferSpec(String key) {
      this.key = key;
      this.name = key == null ? null : "Offer " + key;
      this.content = Map.of("headline", "Get " + key);
    }

    public OfferSpec name(String name) {
      this.name = name;
      return this;
    }

    public OfferSpec category(String category) {
      this.category = category;
      return this;
    }

    public OfferSpec subcategory(String subcategory) {
      this.subcategory = subcategory;
      return this;
    }

    public OfferSpec status(String status) {
      this.status = status;
      return this;
    }

    public OfferSpec schedule(String startAt, String endAt) {
      this.startAt = startAt == null ? null : Instant.parse(startAt);
      this.endAt = endAt == null ? null : Instant.parse(endAt);
      return this;
    }

    public OfferSpec priority(Integer priority) {
      this.priority = priority;
      return this;
    }

    public OfferSpec value(Double revenue, Double margin, Double cost) {
      this.value = new OfferValue(revenue, margin, cost);
      return this;
    }

    public OfferSpec margin(double margin) {
      this.value = new OfferValue(null, margin, null);
      return this;
    }

    public OfferSpec channels(String... channels) {
      this.channels = Arrays.asList(channels);
      return this;
    }

    public OfferSpec placements(String... placements) {
      this.placements = Arrays.asList(placements);
      return this;
    }

    public OfferSpec budget(Long maxDecisions, Double maxCost, String period) {
      this.budget = new BudgetDefinition(maxDecisions, maxCost, period);
      return this;
    }

    public OfferSpec attributes(String json) {
      this.attributes = object(json);
      return this;
    }

    public OfferDefinition build() {
      return new OfferDefinition(
          key == null ? null : "id-" + key,
          key,
          name,
          null,
          category,
          subcategory,
          status,
          startAt,
          endAt,
          priority,
          value,
          channels,
          placements,
          budget,
          content,
          attributes);
    }
  }

  /** A fluent flow definition; defaults: channel web, placement hero, maxOffers 5, version 1. */
  public static final class FlowSpec {
    private final String key;
    private String channel = "web";
    private String placement = "hero";
    private List<String> offers;
    private List<String> categories;
    private String modelKey;
    private String profileKey;
    private Integer maxOffers = 5;
    private Integer version = 1;

    FlowSpec(String key) {
      this.key = key;
    }

    public FlowSpec route(String channel, String placement) {
      this.channel = channel;
      this.placement = placement;
      return this;
    }

    public FlowSpec offers(String... keys) {
      this.offers = Arrays.asList(keys);
      return this;
    }

    public FlowSpec categories(String... categories) {
      this.categories = Arrays.asList(categories);
      return this;
    }

    public FlowSpec model(String modelKey) {
      this.modelKey = modelKey;
      return this;
    }

    public FlowSpec profile(String profileKey) {
      this.profileKey = profileKey;
      return this;
    }

    public FlowSpec maxOffers(Integer maxOffers) {
      this.maxOffers = maxOffers;
      return this;
    }

    public FlowSpec version(Integer version) {
      this.version = version;
      return this;
    }

    public FlowDefinition build() {
      return new FlowDefinition(
          "id-" + key,
          key,
          key,
          channel,
          placement,
          new InventoryDefinition(offers, categories),
          modelKey,
          profileKey,
          maxOffers,
          version);
    }
  }

  /** A fluent catalog. */
  public static final class CatalogSpec {
    private final List<OfferDefinition> offers = new ArrayList<>();
    private final List<QualificationRuleDefinition> rules = new ArrayList<>();
    private final List<ContactPolicyDefinition> policies = new ArrayList<>();
    private final List<ModelDefinition> models = new ArrayList<>();
    private final List<ArbitrationProfileDefinition> profiles = new ArrayList<>();
    private final List<FlowDefinition> flows = new ArrayList<>();
    private long version = 7;

    public CatalogSpec offers(OfferSpec... specs) {
      for (OfferSpec spec : specs) {
        offers.add(spec.build());
      }
      return this;
    }

    public CatalogSpec offers(List<OfferDefinition> definitions) {
      offers.addAll(definitions);
      return this;
    }

    public CatalogSpec rules(QualificationRuleDefinition... definitions) {
      rules.addAll(Arrays.asList(definitions));
      return this;
    }

    public CatalogSpec policies(ContactPolicyDefinition... definitions) {
      policies.addAll(Arrays.asList(definitions));
      return this;
    }

    public CatalogSpec models(ModelDefinition... definitions) {
      models.addAll(Arrays.asList(definitions));
      return this;
    }

    public CatalogSpec profiles(ArbitrationProfileDefinition... definitions) {
      profiles.addAll(Arrays.asList(definitions));
      return this;
    }

    public CatalogSpec flows(FlowSpec... specs) {
      for (FlowSpec spec : specs) {
        flows.add(spec.build());
      }
      return this;
    }

    public CatalogSpec version(long version) {
      this.version = version;
      return this;
    }

    public CatalogDefinition definition() {
      return new CatalogDefinition(
          "acme", version, offers, rules, policies, models, profiles, flows);
    }

    public CatalogBuildResult result() {
      return CatalogBuilder.build(definition());
    }

    public CatalogSnapshot build() {
      return result().orElseThrow();
    }
  }

  /** A fluent request; defaults: web/hero, at {@link #NOW}, seed 42. */
  public static final class RequestSpec {
    private String customerId = "c-1";
    private String flowKey;
    private String channel = "web";
    private String placement = "hero";
    private Integer limit;
    private Map<String, Object> attributes = new LinkedHashMap<>();
    private Map<String, Object> context = new LinkedHashMap<>();
    private Instant time = NOW;
    private long seed = 42;

    public RequestSpec flowKey(String flowKey) {
      this.flowKey = flowKey;
      return this;
    }

    public RequestSpec route(String channel, String placement) {
      this.channel = channel;
      this.placement = placement;
      return this;
    }

    public RequestSpec limit(Integer limit) {
      this.limit = limit;
      return this;
    }

    public RequestSpec attributes(String json) {
      this.attributes = object(json);
      return this;
    }

    public RequestSpec context(String json) {
      this.context = object(json);
      return this;
    }

    public RequestSpec time(String time) {
      this.time = Instant.parse(time);
      return this;
    }

    public RequestSpec seed(long seed) {
      this.seed = seed;
      return this;
    }

    public DecisionRequest build() {
      return new DecisionRequest(
          customerId, flowKey, channel, placement, limit, attributes, context, time, seed);
    }
  }
}
