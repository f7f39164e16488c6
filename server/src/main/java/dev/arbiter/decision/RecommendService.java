package dev.arbiter.decision;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.arbiter.budget.BudgetLedger;
import dev.arbiter.catalog.CatalogSnapshots;
import dev.arbiter.contact.ContactEntry;
import dev.arbiter.contact.ContactHistory;
import dev.arbiter.contact.ContactHistoryStore;
import dev.arbiter.engine.DecisionEngine;
import dev.arbiter.engine.catalog.BudgetPeriod;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.catalog.Offer;
import dev.arbiter.engine.pipeline.BudgetCounters;
import dev.arbiter.engine.pipeline.CustomerState;
import dev.arbiter.engine.pipeline.Decision;
import dev.arbiter.engine.pipeline.DecisionData;
import dev.arbiter.engine.pipeline.DecisionRequest;
import dev.arbiter.engine.pipeline.RankedOffer;
import dev.arbiter.engine.pipeline.RuntimeState;
import dev.arbiter.engine.policy.ContactEvent;
import dev.arbiter.engine.scoring.ExternalModel;
import dev.arbiter.engine.scoring.NaiveBayesModel;
import dev.arbiter.engine.scoring.ScoringModel;
import dev.arbiter.engine.trace.Stage;
import dev.arbiter.scoring.HttpExternalScorer;
import dev.arbiter.scoring.ModelCircuitBreakers;
import dev.arbiter.scoring.ModelStates;
import dev.arbiter.shared.ApiException;
import dev.arbiter.shared.FieldError;
import dev.arbiter.shared.Ids;
import dev.arbiter.tenant.TenantSettings;
import dev.arbiter.tenant.TenantSettingsService;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import tools.jackson.databind.annotation.JsonSerialize;

/**
 * Decides a Recommend request: routes it on the tenant's compiled snapshot, runs the engine and
 * shapes the answer. Does no database I/O on the way (the snapshot is cached per catalog version).
 * Thread-safe.
 */
public class RecommendService {
  static final int MAX_LIMIT = 100;

  /**
   * The most times a decision is made for a customer whose contact history another decision kept
   * changing meanwhile (another node's: this node's decisions for a customer take turns), or whose
   * store failed or switched between Redis and memory; after that its contacts are recorded without
   * the check (counted, {@code result="exhausted"}).
   */
  static final int MAX_DECISION_ATTEMPTS = 16;

  /**
   * Stripes of the lock that makes this node's decisions for one customer take turns (customers
   * hashed to one stripe share it).
   */
  private static final int CUSTOMER_LOCK_STRIPES = 4096;

  /**
   * The longest a decision waits for its customer's stripe before going on without it: the lock
   * only spares decisions a retry (the store's check is what keeps the cap), so a stripe held long
   * (a slow PostgreSQL load on a miss, a Redis timeout) never stalls decisions behind it.
   */
  private static final long CUSTOMER_LOCK_WAIT_MILLIS = 100;

  private final CatalogSnapshots snapshots;
  private final DecisionEngine engine = new DecisionEngine();
  private final DecisionMetrics metrics;
  private final DecisionLog decisionLog;
  private final TenantSettingsService settings;
  private final ModelStates modelStates;
  private final ModelCircuitBreakers breakers;
  private final BudgetLedger budgets;
  private final ContactHistoryStore contactHistory;
  private final RecentDecisions recentDecisions;
  private final HttpExternalScorer externalScorer;
  private final Clock clock;

  /** Budgeted offers of each snapshot: what the ledger is asked about, once per decision. */
  private final Map<CatalogSnapshot, Map<String, BudgetPeriod>> budgeted =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  /**
   * Taken, by customer, around reading the contacts, deciding and recording the decision while a
   * policy counts decisions: two decisions for one customer on this node would otherwise keep
   * making each other decide again.
   */
  private final ReentrantLock[] customerLocks = new ReentrantLock[CUSTOMER_LOCK_STRIPES];

  public RecommendService(
      CatalogSnapshots snapshots,
      DecisionMetrics metrics,
      DecisionLog decisionLog,
      TenantSettingsService settings,
      ModelStates modelStates,
      ModelCircuitBreakers breakers,
      BudgetLedger budgets,
      ContactHistoryStore contactHistory,
      RecentDecisions recentDecisions,
      HttpExternalScorer externalScorer,
      Clock clock) {
    this.snapshots = snapshots;
    this.metrics = metrics;
    this.decisionLog = decisionLog;
    this.settings = settings;
    this.modelStates = modelStates;
    this.breakers = breakers;
    this.budgets = budgets;
    this.contactHistory = contactHistory;
    this.recentDecisions = recentDecisions;
    this.externalScorer = externalScorer;
    this.clock = clock;
    for (int i = 0; i < customerLocks.length; i++) {
      customerLocks[i] = new ReentrantLock();
    }
  }

  /**
   * Decides {@code request} for tenant {@code tenantId}.
   *
   * @param withTrace whether to return the decision trace inline
   * @throws ApiException 422 for an invalid request, 404 {@code FLOW_NOT_FOUND} when no published
   *     flow serves it
   */
  public Answer recommend(
      String tenantId,
      String tenantKey,
      String requestId,
      RecommendRequest request,
      boolean withTrace) {
    validate(request);
    long start = System.nanoTime();
    Instant now = clock.instant();
    long seed = ThreadLocalRandom.current().nextLong();
    DecisionRequest engineRequest = engineRequest(request, now, seed);
    CatalogSnapshot snapshot = snapshots.current(tenantId).snapshot();
    TenantSettings tenant = settings.cached(tenantId);
    LocalDate day = tenant.dayOf(now);
    Set<String> unavailable = breakers.unavailable(tenantId);
    RuntimeState runtime = runtime(tenantId, snapshot, day, unavailable);
    Decision decision =
        snapshot.countsOutcome(ContactEntry.DECISION)
            ? decideAndRecordContacts(tenantId, request, snapshot, engineRequest, runtime, now)
            : engine.decide(
                snapshot,
                engineRequest,
                new CustomerState(contactHistory.history(tenantId, request.customerId())),
                runtime);
    metrics.record(decision, System.nanoTime() - start);
    recordModelHealth(tenantId, snapshot, decision, unavailable);
    if (decision.status() == Decision.Status.NO_FLOW) {
      throw new ApiException(404, "FLOW_NOT_FOUND", "No flow", decision.message());
    }
    String decisionId = Ids.newId();
    List<RankedOffer> returned = consumeBudgets(tenantId, snapshot, decision.offers(), day);
    String channel = channel(request, snapshot, decision);
    RecordedDecision recorded =
        recorded(tenantId, decisionId, request, snapshot, decision, channel, returned, now);
    recentDecisions.remember(recorded);
    String traceId = null;
    TraceView inlineTrace = null;
    // X-Debug traces whatever the settings: an editor asked for this one explicitly.
    boolean sampled =
        withTrace
            || tenant.traceEnabled()
                && tenant.traceSampleRate() > 0
                && ThreadLocalRandom.current().nextDouble() < tenant.traceSampleRate();
    if (sampled) {
      traceId = Ids.newId();
      TraceView trace =
          new TraceView(
              traceId, decisionId, requestId, request, now.toString(), seed, decision.trace());
      decisionLog.trace(
          new StoredTrace(
              traceId,
              tenantId,
              decisionId,
              requestId,
              request.customerId(),
              decision.flowKey(),
              decision.flowVersion(),
              now,
              trace));
      if (withTrace) {
        inlineTrace = trace;
      }
    }
    decisionLog.event(
        decisionMade(tenantKey, requestId, request, decision, returned, recorded, seed));
    return new Answer(
        decisionId,
        decision.flowKey(),
        decision.flowVersion(),
        decision.catalogVersion(),
        returned,
        traceId,
        inlineTrace);
  }

  /**
   * Decides {@code request} as {@link #recommend} would now, and changes nothing: no budget is
   * consumed, no contact recorded, no {@code decision.made.v1} written, no trace stored, nothing
   * remembered for Respond (a Respond to it is refused), and the decision metrics and the model
   * breakers are not told of it, but for an {@code external} model, which is called (and its
   * breaker told of the call) as for a decision. The answer has no decision id and carries the
   * trace inline.
   *
   * @throws ApiException as {@link #recommend}
   */
  public Answer dryRun(String tenantId, String requestId, RecommendRequest request) {
    validate(request);
    Instant now = clock.instant();
    long seed = ThreadLocalRandom.current().nextLong();
    CatalogSnapshot snapshot = snapshots.current(tenantId).snapshot();
    LocalDate day = settings.cached(tenantId).dayOf(now);
    Decision decision =
        engine.decide(
            snapshot,
            engineRequest(request, now, seed),
            new CustomerState(contactHistory.history(tenantId, request.customerId())),
            runtime(tenantId, snapshot, day, breakers.unavailable(tenantId)));
    metrics.dryRun();
    if (decision.status() == Decision.Status.NO_FLOW) {
      throw new ApiException(404, "FLOW_NOT_FOUND", "No flow", decision.message());
    }
    return new Answer(
        null,
        decision.flowKey(),
        decision.flowVersion(),
        decision.catalogVersion(),
        decision.offers(),
        null,
        new TraceView(null, null, requestId, request, now.toString(), seed, decision.trace()));
  }

  /**
   * What the engine is given besides the request and the customer: the budgeted offers' usage on
   * {@code day} (read once per decision), the learned model states, the models whose breaker is
   * open, and this decision's scorer for external models.
   */
  private RuntimeState runtime(
      String tenantId, CatalogSnapshot snapshot, LocalDate day, Set<String> unavailable) {
    Map<String, BudgetPeriod> withBudget =
        budgeted.computeIfAbsent(snapshot, RecommendService::budgeted);
    return new RuntimeState(
        withBudget.isEmpty()
            ? BudgetCounters.NONE
            : BudgetCounters.of(budgets.usage(tenantId, withBudget, day)),
        modelStates.forTenant(tenantId, snapshot),
        unavailable,
        externalScorer.forDecision(tenantId, breakers));
  }

  private static DecisionRequest engineRequest(RecommendRequest request, Instant now, long seed) {
    return new DecisionRequest(
        request.customerId(),
        request.flowKey(),
        request.channel(),
        request.placement(),
        request.limit(),
        request.attributes() == null ? Map.of() : request.attributes(),
        request.context() == null ? Map.of() : request.context(),
        now,
        seed);
  }

  /**
   * Recommend's answer, in API.md's order; {@code traceId} only when the decision was traced and
   * {@code trace} only when it was asked for inline ({@code X-Debug}). The offers are the engine's
   * ranked offers as returned (after budgets), whose fields are the answer's, in its order.
   */
  @JsonPropertyOrder({
    "decisionId",
    "flowKey",
    "flowVersion",
    "catalogVersion",
    "offers",
    "traceId",
    "trace"
  })
  public record Answer(
      String decisionId,
      String flowKey,
      int flowVersion,
      long catalogVersion,
      List<RankedOffer> offers,
      @JsonInclude(JsonInclude.Include.NON_NULL) String traceId,
      @JsonInclude(JsonInclude.Include.NON_NULL) Object trace) {}

  /**
   * A returned offer as {@code decision.made.v1} shows it: the answer's fields without content,
   * plus the offer's category and, for a naive Bayes model, the bins it was scored in. (Flat, not
   * the {@link RankedOffer} unwrapped: Jackson's unwrapping serializer is its slowest path.)
   */
  @JsonPropertyOrder({
    "rank",
    "offerKey",
    "offerId",
    "name",
    "score",
    "propensity",
    "fallback",
    "category",
    "bins"
  })
  record DecidedOffer(
      int rank,
      String offerKey,
      String offerId,
      String name,
      double score,
      double propensity,
      boolean fallback,
      String category,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Integer> bins) {

    DecidedOffer(RankedOffer o, String category, Map<String, Integer> bins) {
      this(
          o.rank(),
          o.offerKey(),
          o.offerId(),
          o.name(),
          o.score(),
          o.propensity(),
          o.fallback(),
          category,
          bins);
    }
  }

  /**
   * The data of {@code decision.made.v1}, its fields in the order they always had (when they were a
   * map); written by {@link DecisionMadeJson}.
   */
  @JsonSerialize(using = DecisionMadeJson.class)
  @JsonPropertyOrder({
    "decisionId",
    "tenant",
    "customerId",
    "requestId",
    "flowKey",
    "flowVersion",
    "catalogVersion",
    "channel",
    "placement",
    "modelKey",
    "modelBinning",
    "decidedAt",
    "seed",
    "offers"
  })
  record DecisionMade(
      String decisionId,
      String tenant,
      String customerId,
      String requestId,
      String flowKey,
      int flowVersion,
      long catalogVersion,
      String channel,
      String placement,
      String modelKey,
      @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> modelBinning,
      String decidedAt,
      long seed,
      List<DecidedOffer> offers) {}

  private static Map<String, BudgetPeriod> budgeted(CatalogSnapshot snapshot) {
    Map<String, BudgetPeriod> m = new java.util.HashMap<>();
    for (Offer o : snapshot.offers()) {
      if (o.budget() != null) {
        m.put(o.key(), o.budget().period());
      }
    }
    return Map.copyOf(m);
  }

  /**
   * Counts one decision against each returned offer's budget, atomically; an offer whose budget
   * another decision used up meanwhile is dropped and the rest re-ranked. This, not the engine's
   * check, is what keeps a budget from ever being exceeded under concurrency.
   */
  private List<RankedOffer> consumeBudgets(
      String tenantId, CatalogSnapshot snapshot, List<RankedOffer> offers, LocalDate day) {
    List<RankedOffer> kept = new ArrayList<>(offers.size());
    for (RankedOffer o : offers) {
      Offer offer = snapshot.offer(o.offerKey());
      if (offer != null
          && offer.budget() != null
          && !budgets.tryConsume(tenantId, o.offerKey(), offer.budget(), day, 1, 0)) {
        continue;
      }
      kept.add(o.withRank(kept.size() + 1));
    }
    return kept;
  }

  private static String channel(
      RecommendRequest request, CatalogSnapshot snapshot, Decision decision) {
    return request.channel() != null
        ? request.channel()
        : snapshot.flow(decision.flowKey()).channel();
  }

  /**
   * Decides while some policy of {@code snapshot} counts decisions, and records the offers decided
   * as {@code decision} contacts, so that a cap on decisions holds for concurrent decisions for one
   * customer too: the contacts are recorded only if no other decision was recorded for the customer
   * since they were read ({@link ContactHistoryStore#appendDecisions}, across nodes with Redis),
   * else read again and the decision made again. This node's decisions for the customer take turns
   * (a striped lock, waited for at most {@value #CUSTOMER_LOCK_WAIT_MILLIS} ms), so mostly only
   * other nodes' can make one decide again.
   *
   * <p>Only while such a policy exists are decisions recorded: without one nothing reads them, and
   * recording them anyway made every customer's list grow by the offers of each decision (a write
   * per decision, and a history hundreds of entries long that every policy scanned). What is
   * recorded is every offer the engine returned, before budgets: an offer whose budget another
   * decision takes meanwhile is then counted without being shown (errs towards contacting less).
   */
  private Decision decideAndRecordContacts(
      String tenantId,
      RecommendRequest request,
      CatalogSnapshot snapshot,
      DecisionRequest engineRequest,
      RuntimeState runtime,
      Instant now) {
    String customerId = request.customerId();
    ReentrantLock lock =
        customerLocks[
            Math.floorMod(31 * tenantId.hashCode() + customerId.hashCode(), customerLocks.length)];
    boolean locked;
    try {
      locked = lock.tryLock(CUSTOMER_LOCK_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      locked = false;
    }
    try {
      for (int attempt = 1; ; attempt++) {
        ContactHistory history = contactHistory.read(tenantId, customerId);
        Decision decision =
            engine.decide(snapshot, engineRequest, new CustomerState(history.events()), runtime);
        if (decision.offers().isEmpty()) {
          return decision;
        }
        List<ContactEntry> entries =
            decisionEntries(snapshot, channel(request, snapshot, decision), decision.offers(), now);
        if (contactHistory.appendDecisions(tenantId, customerId, entries, history)) {
          return decision;
        }
        if (attempt == MAX_DECISION_ATTEMPTS) {
          metrics.contactConflictsExhausted();
          contactHistory.append(tenantId, customerId, entries);
          return decision;
        }
        metrics.contactRetried();
      }
    } finally {
      if (locked) {
        lock.unlock();
      }
    }
  }

  /** The {@code decision} contacts of offers decided on {@code channel}. */
  private static List<ContactEntry> decisionEntries(
      CatalogSnapshot snapshot, String channel, List<RankedOffer> returned, Instant now) {
    List<ContactEntry> entries = new ArrayList<>(returned.size());
    for (RankedOffer o : returned) {
      Offer offer = snapshot.offer(o.offerKey());
      entries.add(
          ContactEntry.decision(
              new ContactEvent(
                  ContactEntry.DECISION,
                  o.offerKey(),
                  offer == null ? null : offer.category(),
                  channel,
                  now)));
    }
    return entries;
  }

  /**
   * What Respond needs of this decision: the returned offers' categories and, for a naive Bayes
   * model, the bins each offer was scored in (learning folds an outcome into those bins): computed
   * from the data the engine scored with, whose channel and placement are the flow's when the
   * request names only the flow.
   */
  private static RecordedDecision recorded(
      String tenantId,
      String decisionId,
      RecommendRequest request,
      CatalogSnapshot snapshot,
      Decision decision,
      String channel,
      List<RankedOffer> returned,
      Instant now) {
    ScoringModel model = snapshot.flow(decision.flowKey()).model();
    Map<String, RecordedDecision.ReturnedOffer> offers = new LinkedHashMap<>();
    for (RankedOffer o : returned) {
      Offer offer = snapshot.offer(o.offerKey());
      Map<String, Integer> bins = Map.of();
      if (model instanceof NaiveBayesModel nb) {
        int[] b =
            nb.bins(
                DecisionData.of(
                    offer,
                    request.attributes(),
                    decision.channel(),
                    decision.placement(),
                    request.context()));
        Map<String, Integer> named = new LinkedHashMap<>();
        for (int p = 0; p < b.length; p++) {
          named.put(nb.predictors().get(p).name(), b[p]);
        }
        bins = named;
      }
      offers.put(
          o.offerKey(),
          new RecordedDecision.ReturnedOffer(offer == null ? null : offer.category(), bins));
    }
    return new RecordedDecision(
        decisionId,
        tenantId,
        request.customerId(),
        decision.flowKey(),
        decision.catalogVersion(),
        channel,
        model == null ? null : model.key(),
        model instanceof NaiveBayesModel nb ? nb.binning() : null,
        now,
        offers,
        new CompletableFuture<>());
  }

  /**
   * Tells the flow's model breaker whether the model failed in this decision: raised an error, not
   * merely lacked a feature of this customer's (which falls back without opening the breaker for
   * every customer of the tenant).
   */
  private void recordModelHealth(
      String tenantId, CatalogSnapshot snapshot, Decision decision, Set<String> unavailable) {
    if (decision.status() != Decision.Status.DECIDED || decision.stageIn(Stage.SCORING) == 0) {
      return;
    }
    ScoringModel model = snapshot.flow(decision.flowKey()).model();
    if (model == null || unavailable.contains(model.key()) || model instanceof ExternalModel) {
      // an external model's breaker is told of each call as it ends (an offer its service left
      // unscored is no failure of the call)
      return;
    }
    boolean failed = decision.modelFailed();
    if (!failed && !decision.modelScored()) {
      // only a decision the model scored shows it works: one whose offers all lacked a feature the
      // model needs (the fallback score, no failure) says nothing either way
      return;
    }
    breakers.record(tenantId, model.key(), model.type(), failed);
  }

  /**
   * The {@code decision.made.v1} CloudEvent: what was returned, with propensities and the seed —
   * the log an off-policy evaluation needs.
   */
  static OutboxEvent decisionMade(
      String tenantKey,
      String requestId,
      RecommendRequest request,
      Decision decision,
      List<RankedOffer> returned,
      RecordedDecision recorded,
      long seed) {
    List<DecidedOffer> offers = new ArrayList<>(returned.size());
    for (RankedOffer o : returned) {
      RecordedDecision.ReturnedOffer r = recorded.offers().get(o.offerKey());
      offers.add(new DecidedOffer(o, r.category(), r.bins()));
    }
    String decisionId = recorded.decisionId();
    Instant at = recorded.madeAt();
    String tenantId = recorded.tenantId();
    String decidedAt = at.toString();
    DecisionMade data =
        new DecisionMade(
            decisionId,
            tenantKey,
            request.customerId(),
            requestId,
            decision.flowKey(),
            decision.flowVersion(),
            decision.catalogVersion(),
            recorded.channel(),
            decision.placement(),
            recorded.modelKey(),
            recorded.modelBinning(),
            decidedAt,
            seed,
            offers);
    return OutboxEvent.cloudEvent(
        decisionId,
        tenantId,
        tenantKey,
        "decision.made.v1",
        request.customerId(),
        at,
        decidedAt,
        data,
        recorded.eventStored());
  }

  private static void validate(RecommendRequest r) {
    if (r == null) {
      throw ApiException.validation("body", "is required");
    }
    List<FieldError> errors = new ArrayList<>();
    if (r.customerId() == null || r.customerId().isBlank() || r.customerId().length() > 200) {
      errors.add(new FieldError("customerId", "is required, at most 200 characters"));
    }
    if (r.limit() != null && (r.limit() < 1 || r.limit() > MAX_LIMIT)) {
      errors.add(new FieldError("limit", "must be between 1 and " + MAX_LIMIT));
    }
    if ((r.flowKey() == null || r.flowKey().isBlank())
        && (r.channel() == null || r.channel().isBlank())) {
      errors.add(
          new FieldError("flowKey", "or channel (with placement) is required to choose a flow"));
    }
    if (!errors.isEmpty()) {
      throw ApiException.validation(errors);
    }
  }
}
