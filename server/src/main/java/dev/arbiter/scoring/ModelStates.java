package dev.arbiter.scoring;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.catalog.Flow;
import dev.arbiter.engine.catalog.Offer;
import dev.arbiter.engine.scoring.BetaCounts;
import dev.arbiter.engine.scoring.ModelState;
import dev.arbiter.engine.scoring.NaiveBayesCounts;
import dev.arbiter.engine.scoring.NaiveBayesModel;
import dev.arbiter.engine.scoring.NaiveBayesState;
import dev.arbiter.engine.scoring.ScoringModel;
import dev.arbiter.engine.scoring.ThompsonModel;
import dev.arbiter.engine.scoring.ThompsonState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Learned model state for decisions, per tenant and model: loaded from stored evidence on first
 * use, then refreshed in the background every {@link #REFRESH} (decisions keep using the previous
 * state meanwhile, so a refresh never blocks one). Posteriors are the model's current prior plus
 * the evidence. The state is built once per loaded evidence and model definition, not per decision:
 * with a hundred offers learned, building it took a hundred posteriors and two hash maps (a naive
 * Bayes model: arrays per offer and predictor) on every decision. Thread-safe.
 */
public class ModelStates {
  /** How stale learned state may be on a node. */
  public static final Duration REFRESH = Duration.ofSeconds(5);

  private record Key(String tenantId, String modelKey) {}

  /**
   * Loaded evidence and the engine state last built from it, with the model definition it was built
   * for (a new catalog snapshot brings a new definition, whose prior or bins may differ).
   */
  private static final class Loaded {
    final ModelEvidence evidence;
    private volatile Built built;

    Loaded(ModelEvidence evidence) {
      this.evidence = evidence;
    }

    ModelState state(ScoringModel model) {
      Built b = built;
      if (b == null || b.model != model) {
        b = new Built(model, ModelStates.state(model, evidence));
        built = b;
      }
      return b.state;
    }

    /**
     * Whether this evidence was loaded for a definition whose evidence {@code model} cannot use: a
     * change of type, or of a naive-Bayes model's predictors, deletes the stored evidence it made
     * meaningless (CatalogService), so what was loaded before it is stale.
     */
    boolean loadedBefore(ScoringModel model) {
      Built b = built;
      return b != null && b.model != model && !sameEvidence(b.model, model);
    }
  }

  private static boolean sameEvidence(ScoringModel a, ScoringModel b) {
    if (!a.type().equals(b.type())) {
      return false;
    }
    return !(a instanceof NaiveBayesModel x)
        || (b instanceof NaiveBayesModel y && x.binning().equals(y.binning()));
  }

  private record Built(ScoringModel model, ModelState state) {}

  private final ModelStateRepository repository;
  private final LoadingCache<Key, Loaded> evidence;

  public ModelStates(ModelStateRepository repository) {
    this.repository = repository;
    this.evidence =
        // No size bound and no expiry after access: either makes every read record itself in
        // the cache's read buffer, and on this one hot key per model that scheduled a maintenance
        // task on the common pool every few reads (2% of Recommend's CPU). The keys are the
        // tenants' models in use; one unread for an hour expires (a key in use is rewritten by
        // its refresh every REFRESH).
        Caffeine.newBuilder()
            .refreshAfterWrite(REFRESH)
            .expireAfterWrite(Duration.ofHours(1))
            .build(k -> new Loaded(repository.load(k.tenantId(), k.modelKey())));
  }

  /** The engine's view of the tenant's learned state, for models of {@code snapshot}. */
  public dev.arbiter.engine.pipeline.ModelStates forTenant(
      String tenantId, CatalogSnapshot snapshot) {
    return modelKey -> {
      ScoringModel model = snapshot.model(modelKey);
      if (model == null) {
        return null;
      }
      try {
        Key key = new Key(tenantId, modelKey);
        Loaded loaded = evidence.get(key);
        if (loaded.loadedBefore(model)) {
          // the first decision on this node after such a change reads the evidence left, rather
          // than score with deleted counts until the next refresh
          loaded = new Loaded(repository.load(tenantId, modelKey));
          evidence.put(key, loaded);
        }
        return loaded.state(model);
      } catch (RuntimeException e) {
        // State never loaded and the database cannot be read: score from the prior alone.
        return null;
      }
    };
  }

  /**
   * What {@code model} has learned, as {@code GET /api/v1/models/{key}/state} shows it: the stored
   * evidence read now (not this node's cache), turned into the state decisions sample, for the
   * model as {@code snapshot} defines it. Thompson: the prior, the posterior of every level with
   * evidence, and for each offer of the flows using the model (and each offer with evidence) the
   * posterior a decision samples and the level it comes from. Naive Bayes: per offer, its totals,
   * base rate and each predictor's bins. Other types learn nothing here.
   */
  public Map<String, Object> view(String tenantId, CatalogSnapshot snapshot, ScoringModel model) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("modelKey", model.key());
    v.put("type", model.type());
    v.put("catalogVersion", snapshot.catalogVersion());
    ModelState state = state(model, repository.load(tenantId, model.key()));
    switch (model) {
      case ThompsonModel t -> thompsonView(v, t, (ThompsonState) state, offersOf(snapshot, model));
      case NaiveBayesModel nb -> naiveBayesView(v, nb, (NaiveBayesState) state);
      default -> v.put("learns", false);
    }
    return v;
  }

  /** Offers of the flows that use {@code model}, in key order. */
  private static SortedMap<String, Offer> offersOf(CatalogSnapshot snapshot, ScoringModel model) {
    SortedMap<String, Offer> offers = new TreeMap<>();
    for (Flow flow : snapshot.flows()) {
      if (flow.model() != null && flow.model().key().equals(model.key())) {
        flow.candidates().forEach(o -> offers.put(o.key(), o));
      }
    }
    return offers;
  }

  private static void thompsonView(
      Map<String, Object> v,
      ThompsonModel model,
      ThompsonState state,
      SortedMap<String, Offer> used) {
    ThompsonState s = state == null ? ThompsonState.EMPTY : state;
    BetaCounts prior = model.prior();
    v.put("learns", true);
    v.put("prior", beta(prior, prior));
    v.put("minEvidence", model.minEvidence());
    v.put("global", s.global() == null ? null : beta(s.global(), prior));
    Map<String, Object> categories = new TreeMap<>();
    s.categories().forEach((k, b) -> categories.put(k, beta(b, prior)));
    v.put("categories", categories);
    SortedMap<String, String> offers = new TreeMap<>();
    used.forEach((k, o) -> offers.put(k, o.category()));
    s.offers().keySet().forEach(k -> offers.putIfAbsent(k, null));
    List<Map<String, Object>> rows = new ArrayList<>();
    offers.forEach(
        (key, category) -> {
          BetaCounts posterior = model.posterior(s, key, category);
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("offerKey", key);
          row.put("category", category);
          row.put(
              "sampledFrom",
              posterior == s.offers().get(key)
                  ? "offer"
                  : category != null && posterior == s.categories().get(category)
                      ? "category"
                      : posterior == s.global() ? "global" : "prior");
          row.putAll(beta(posterior, prior));
          row.put("ownEvidence", s.offers().containsKey(key));
          rows.add(row);
        });
    v.put("offers", rows);
  }

  /** A posterior: its parameters, mean and the outcomes it holds beyond the prior. */
  private static Map<String, Object> beta(BetaCounts b, BetaCounts prior) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("alpha", b.alpha());
    m.put("beta", b.beta());
    m.put("mean", b.mean());
    m.put("evidence", Math.max(0, b.alpha() + b.beta() - prior.alpha() - prior.beta()));
    return m;
  }

  private static void naiveBayesView(
      Map<String, Object> v, NaiveBayesModel model, NaiveBayesState state) {
    NaiveBayesState s = state == null ? NaiveBayesState.EMPTY : state;
    v.put("learns", true);
    List<Map<String, Object>> predictors = new ArrayList<>();
    for (NaiveBayesModel.Predictor p : model.predictors()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", p.name());
      m.put("binning", p.binning());
      m.put("bins", p.binCount());
      if (p.numeric()) {
        m.put("bounds", p.bounds());
      } else {
        m.put("values", p.values());
      }
      predictors.add(m);
    }
    v.put("predictors", predictors);
    List<Map<String, Object>> offers = new ArrayList<>();
    new TreeMap<>(s.offers())
        .forEach(
            (key, counts) -> {
              Map<String, Object> row = new LinkedHashMap<>();
              row.put("offerKey", key);
              row.put("positives", counts.positives());
              row.put("negatives", counts.negatives());
              row.put(
                  "baseRate",
                  (counts.positives() + 1.0) / (counts.positives() + counts.negatives() + 2.0));
              Map<String, Object> byPredictor = new LinkedHashMap<>();
              if (counts.fits(model)) {
                for (int p = 0; p < model.predictors().size(); p++) {
                  List<long[]> bins = new ArrayList<>();
                  for (int b = 0; b < counts.binCount(p); b++) {
                    bins.add(new long[] {counts.binPositives(p, b), counts.binNegatives(p, b)});
                  }
                  byPredictor.put(model.predictors().get(p).name(), bins);
                }
              }
              row.put("bins", byPredictor);
              offers.add(row);
            });
    v.put("offers", offers);
  }

  /** Forget a model's evidence on this node (after an outcome was recorded here). */
  public void refresh(String tenantId, String modelKey) {
    evidence.refresh(new Key(tenantId, modelKey));
  }

  static ModelState state(ScoringModel model, ModelEvidence e) {
    return switch (model) {
      case ThompsonModel t -> thompson(t, e.beta());
      case NaiveBayesModel nb -> naiveBayes(nb, e.bins());
      default -> null;
    };
  }

  static ThompsonState thompson(ThompsonModel model, List<ModelEvidence.Beta> rows) {
    if (rows.isEmpty()) {
      return ThompsonState.EMPTY;
    }
    BetaCounts prior = model.prior();
    Map<String, BetaCounts> offers = new HashMap<>();
    Map<String, BetaCounts> categories = new HashMap<>();
    BetaCounts global = null;
    for (ModelEvidence.Beta row : rows) {
      BetaCounts posterior = new BetaCounts(prior.alpha() + row.alpha(), prior.beta() + row.beta());
      switch (row.level()) {
        case "offer" -> offers.put(row.key(), posterior);
        case "category" -> categories.put(row.key(), posterior);
        default -> global = posterior;
      }
    }
    return new ThompsonState(offers, categories, global);
  }

  static NaiveBayesState naiveBayes(NaiveBayesModel model, List<ModelEvidence.Bin> rows) {
    if (rows.isEmpty()) {
      return NaiveBayesState.EMPTY;
    }
    Map<String, Integer> predictorIndex = new HashMap<>();
    for (int i = 0; i < model.predictors().size(); i++) {
      predictorIndex.put(model.predictors().get(i).name(), i);
    }
    Map<String, long[]> totals = new HashMap<>();
    Map<String, long[][][]> bins = new HashMap<>();
    for (ModelEvidence.Bin row : rows) {
      if (row.bin() < 0) {
        totals.put(row.offerKey(), new long[] {row.positives(), row.negatives()});
        continue;
      }
      Integer p = predictorIndex.get(row.predictor());
      if (p == null || row.bin() >= model.predictors().get(p).binCount()) {
        continue; // evidence of a predictor or bin the model no longer has
      }
      long[][][] offerBins = bins.computeIfAbsent(row.offerKey(), k -> empty(model));
      offerBins[0][p][row.bin()] = row.positives();
      offerBins[1][p][row.bin()] = row.negatives();
    }
    Map<String, NaiveBayesCounts> offers = new HashMap<>();
    for (Map.Entry<String, long[]> t : totals.entrySet()) {
      long[][][] b = bins.getOrDefault(t.getKey(), empty(model));
      offers.put(t.getKey(), new NaiveBayesCounts(t.getValue()[0], t.getValue()[1], b[0], b[1]));
    }
    return new NaiveBayesState(offers);
  }

  private static long[][][] empty(NaiveBayesModel model) {
    long[][][] b = new long[2][model.predictors().size()][];
    for (int p = 0; p < model.predictors().size(); p++) {
      b[0][p] = new long[model.predictors().get(p).binCount()];
      b[1][p] = new long[model.predictors().get(p).binCount()];
    }
    return b;
  }
}
