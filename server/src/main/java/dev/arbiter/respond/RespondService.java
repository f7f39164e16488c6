package dev.arbiter.respond;

import dev.arbiter.catalog.CatalogSnapshots;
import dev.arbiter.contact.ContactEntry;
import dev.arbiter.contact.ContactSharing;
import dev.arbiter.decision.OutboxEvent;
import dev.arbiter.decision.RecentDecisions;
import dev.arbiter.decision.RecordedDecision;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.catalog.Offer;
import dev.arbiter.engine.policy.ContactEvent;
import dev.arbiter.engine.scoring.Learning;
import dev.arbiter.engine.scoring.NaiveBayesModel;
import dev.arbiter.engine.scoring.OutcomeClass;
import dev.arbiter.engine.scoring.ScoringModel;
import dev.arbiter.engine.scoring.ThompsonModel;
import dev.arbiter.shared.ApiException;
import dev.arbiter.shared.FieldError;
import dev.arbiter.shared.Ids;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records what a customer did with an offer a decision returned.
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li><b>Checked against the decision.</b> The decision must exist for the tenant (see {@link
 *       RecentDecisions}: also a moment after the Recommend, on any node), be for the same
 *       customer, and have returned the offer; the outcome must be one of the tenant's outcome
 *       types.
 *   <li><b>Once per Idempotency-Key.</b> The key is claimed in the same transaction as the
 *       interaction: a retry, or a concurrent duplicate (which waits for the first to commit),
 *       answers 200 with the first answer and records nothing; the same key with a different
 *       request is 409 {@code IDEMPOTENCY_KEY_REUSED}. Keys are kept for {@code
 *       RESPOND_IDEMPOTENCY_RETENTION}.
 *   <li><b>All or nothing.</b> One transaction (one SQL statement, so one round trip) writes the
 *       key, the interaction row, its {@code interaction.recorded.v1} outbox event, the model's
 *       learned evidence (atomic increments, so concurrent outcomes never lose an update) and the
 *       offer's cost charge. If any part fails, none is kept and the caller gets an error with an
 *       {@code errorId}.
 *   <li><b>After commit</b> the interaction joins the customer's contact history (the contact
 *       policies of the next Recommend count it; {@link ContactSharing}: what a crash or a Redis
 *       outage leaves out of the shared lists is added later) and a charged cost is added to the
 *       offer's budget counter ({@link ChargeCounter}: what a crash or the ledger leaves uncounted
 *       is counted later).
 * </ul>
 *
 * <p>Learning: outcomes whose type {@link OutcomeType#learns() learns} add a success (positive) or
 * failure (negative) to the decision's flow model, if it is a Thompson or naive Bayes model that
 * still exists with that type; naive Bayes counts go into the bins the offer was scored in, unless
 * one of the model's predictors has changed how it bins since the decision (its fingerprint in the
 * decision's {@code modelBinning} differs: that bin now means something else, and the outcome is
 * skipped). Other nodes use the new evidence within {@link
 * dev.arbiter.scoring.ModelStates#REFRESH}.
 *
 * <p>Cost: an offer's {@code value.cost} is charged once per decision and offer, at the first
 * positive outcome reported for them, and only for offers with a budget (what the cost counts
 * towards); it is counted on the day (tenant's time zone) the outcome was recorded.
 */
public class RespondService {
  private static final Logger log = LoggerFactory.getLogger(RespondService.class);
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("^[\\x21-\\x7e]{1,255}$");
  private static final Set<String> FIELDS =
      Set.of(
          "decisionId",
          "offerKey",
          "customerId",
          "outcome",
          "value",
          "occurredAt",
          "idempotencyKey");

  private final RespondRepository repository;
  private final RecentDecisions decisions;
  private final OutcomeTypes outcomeTypes;
  private final CatalogSnapshots snapshots;
  private final ChargeCounter charges;
  private final ContactSharing contactSharing;
  private final Clock clock;
  private final MeterRegistry meters;
  private final Timer duration;
  private final Counter replays;
  private final Counter eventWaitsStored;
  private final Counter eventWaitsTimedOut;

  /**
   * The longest a Respond waits for its decision's {@code decision.made.v1} event to be stored when
   * it comes before this node's decision log wrote it (usually a few milliseconds).
   */
  static final Duration DECISION_EVENT_WAIT = Duration.ofSeconds(2);

  private final Map<OutcomeClass, Counter> recorded = new java.util.EnumMap<>(OutcomeClass.class);

  public RespondService(
      RespondRepository repository,
      RecentDecisions decisions,
      OutcomeTypes outcomeTypes,
      CatalogSnapshots snapshots,
      ChargeCounter charges,
      ContactSharing contactSharing,
      Clock clock,
      MeterRegistry meters) {
    this.repository = repository;
    this.decisions = decisions;
    this.outcomeTypes = outcomeTypes;
    this.snapshots = snapshots;
    this.charges = charges;
    this.contactSharing = contactSharing;
    this.clock = clock;
    this.meters = meters;
    this.duration =
        Timer.builder("arbiter.respond.duration")
            .description("Time to record a Respond (validation, transaction, after-commit work)")
            .publishPercentileHistogram()
            .register(meters);
    this.replays =
        Counter.builder("arbiter.respond.replays")
            .description("Responds answered from a stored Idempotency-Key, recording nothing")
            .register(meters);
    this.eventWaitsStored = eventWaits(meters, "stored");
    this.eventWaitsTimedOut = eventWaits(meters, "timed_out");
    for (OutcomeClass c : OutcomeClass.values()) {
      recorded.put(
          c,
          Counter.builder("arbiter.interactions.recorded")
              .description("Interactions recorded by Respond")
              .tag("classification", c.name().toLowerCase(Locale.ROOT))
              .register(meters));
    }
  }

  /** The answer: 201 with a new interaction, or 200 with the stored answer of a retry. */
  public record Result(boolean created, Map<String, Object> body) {}

  /** A checked request. */
  private record Fields(
      String idempotencyKey,
      String decisionId,
      String offerKey,
      String customerId,
      String outcome,
      BigDecimal value,
      Instant occurredAt,
      String hash) {}

  /**
   * Records one outcome.
   *
   * @param headerKey the {@code Idempotency-Key} header, or null
   * @throws ApiException 400 {@code IDEMPOTENCY_KEY_REQUIRED}, 422 invalid body or unknown outcome,
   *     404 {@code DECISION_NOT_FOUND}, 422 {@code DECISION_MISMATCH}, 409 {@code
   *     IDEMPOTENCY_KEY_REUSED}
   */
  public Result respond(
      String tenantId, String tenantKey, String headerKey, Map<String, Object> body) {
    long start = System.nanoTime();
    try {
      return record(tenantId, tenantKey, fields(headerKey, body));
    } finally {
      duration.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  private Result record(String tenantId, String tenantKey, Fields f) {
    try {
      return recordChecked(tenantId, tenantKey, f);
    } catch (ApiException e) {
      // A retry of a recorded outcome answers as the first time, even if the decision it refers
      // to is no longer found (past the outbox retention, or remembered by another node).
      Optional<Result> replay = e.status() == 500 ? Optional.empty() : replay(tenantId, f);
      if (replay.isPresent()) {
        return replay.get();
      }
      throw e;
    }
  }

  private Result recordChecked(String tenantId, String tenantKey, Fields f) {
    OutcomeType type = outcomeTypes.resolve(tenantId, f.outcome);
    if (type == null) {
      throw ApiException.validation(
          "outcome",
          "'"
              + f.outcome
              + "' is not an outcome type of this tenant (built in: "
              + String.join(", ", OutcomeTypes.BUILT_IN.keySet())
              + "; see /api/v1/outcome-types)");
    }
    RecordedDecision decision =
        decisions
            .find(tenantId, f.decisionId)
            .orElseThrow(
                () ->
                    new ApiException(
                        404,
                        "DECISION_NOT_FOUND",
                        "Decision not found",
                        "Decision '"
                            + f.decisionId
                            + "' does not exist for this tenant (or is older than the outbox"
                            + " retention)"));
    check(f, decision);
    awaitDecisionEvent(decision);
    Instant now = clock.instant();
    Instant occurredAt = f.occurredAt == null ? now.truncatedTo(ChronoUnit.MICROS) : f.occurredAt;
    if (occurredAt.isAfter(now.plus(CLOCK_SKEW))) {
      throw ApiException.validation("occurredAt", "is in the future");
    }
    if (decision.madeAt() != null && occurredAt.isBefore(decision.madeAt().minus(CLOCK_SKEW))) {
      throw ApiException.validation(
          "occurredAt", "is before the decision was made (" + decision.madeAt() + ")");
    }
    RecordedDecision.ReturnedOffer returned = decision.offers().get(f.offerKey);
    CatalogSnapshot snapshot = snapshots.current(tenantId).snapshot();
    Offer offer = snapshot.offer(f.offerKey);
    String interactionId = Ids.newId();
    Instant recordedAt = now.truncatedTo(ChronoUnit.MICROS);
    RespondRepository.Interaction interaction =
        new RespondRepository.Interaction(
            interactionId,
            tenantId,
            f.customerId,
            f.decisionId,
            f.offerKey,
            returned.category(),
            decision.channel(),
            f.outcome,
            f.value,
            occurredAt,
            recordedAt,
            f.idempotencyKey);
    OutboxEvent event = interactionRecorded(tenantKey, interaction, type, decision);
    BigDecimal cost = chargeableCost(type, offer);
    Learned learned = learn(snapshot, decision, type, f.offerKey, returned);
    RespondRepository.Written written =
        repository.record(
            new RespondRepository.Write(
                f.idempotencyKey,
                f.hash,
                interaction,
                event,
                learned.evidence(),
                cost,
                snapshot.catalogVersion(),
                contactSharing.marking()));
    if (!written.claimed()) {
      // A concurrent request with the same key committed first.
      return replay(tenantId, f)
          .orElseThrow(() -> new IllegalStateException("idempotency key vanished"));
    }
    learned.count(meters, written.learned());
    afterCommit(tenantId, interaction, offer, cost, written.charged());
    recorded.get(type.classification()).increment();
    return new Result(true, answer(interaction));
  }

  private Optional<Result> replay(String tenantId, Fields f) {
    return repository
        .findResponse(tenantId, f.idempotencyKey)
        .map(
            stored -> {
              if (!stored.requestHash().equals(f.hash)) {
                throw new ApiException(
                    409,
                    "IDEMPOTENCY_KEY_REUSED",
                    "Idempotency key reused",
                    "Idempotency-Key '"
                        + f.idempotencyKey
                        + "' was used for a different request; use a new key for a new outcome");
              }
              replays.increment();
              // The first request may have committed and then not reached its append (the node
              // died, or the commit's acknowledgement was lost and the client retried): a loaded
              // list in the store would never miss, so the retry appends it (merged by id).
              appendToHistory(tenantId, stored.interaction());
              return new Result(false, answer(stored.interaction()));
            });
  }

  /** The answer for a recorded interaction: the same for the first request and its retries. */
  private static Map<String, Object> answer(RespondRepository.Interaction i) {
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("interactionId", i.id());
    response.put("decisionId", i.decisionId());
    response.put("offerKey", i.offerKey());
    response.put("outcome", i.outcome());
    response.put("recordedAt", i.recordedAt().toString());
    return response;
  }

  /**
   * Waits until the decision's {@code decision.made.v1} event is stored when this node made the
   * decision a moment ago and its decision log has not written the event yet: the outcome's {@code
   * interaction.recorded.v1} event must not be stored, and published, before the decision it
   * answers (one customer's events reach Kafka in the order they are stored). After {@link
   * #DECISION_EVENT_WAIT} (the database is far behind) it goes on, counted.
   */
  private void awaitDecisionEvent(RecordedDecision decision) {
    CompletableFuture<Void> stored = decision.eventStored();
    if (stored == null || stored.isDone()) {
      return;
    }
    try {
      stored.get(DECISION_EVENT_WAIT.toNanos(), TimeUnit.NANOSECONDS);
      eventWaitsStored.increment();
    } catch (TimeoutException e) {
      eventWaitsTimedOut.increment();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      // never: the decision log only completes it normally
      eventWaitsStored.increment();
    }
  }

  private static Counter eventWaits(MeterRegistry meters, String result) {
    return Counter.builder("arbiter.respond.decision.event.waits")
        .description(
            "Responds that came before their decision's event was stored and waited for it")
        .tag("result", result)
        .register(meters);
  }

  private static void check(Fields f, RecordedDecision decision) {
    List<FieldError> errors = new ArrayList<>();
    if (!decision.customerId().equals(f.customerId)) {
      errors.add(new FieldError("customerId", "is not the customer decision was made for"));
    }
    if (!decision.offers().containsKey(f.offerKey)) {
      errors.add(
          new FieldError(
              "offerKey",
              "was not returned by this decision (returned: " + decision.offers().keySet() + ")"));
    }
    if (!errors.isEmpty()) {
      throw new ApiException(
          422,
          "DECISION_MISMATCH",
          "Outcome does not match the decision",
          "Decision '" + f.decisionId + "' did not return this offer to this customer",
          errors);
    }
  }

  /** The offer's cost when this outcome charges it: positive, with a cost, towards a budget. */
  private static BigDecimal chargeableCost(OutcomeType type, Offer offer) {
    if (type.classification() != OutcomeClass.POSITIVE
        || offer == null
        || offer.budget() == null
        || offer.value().cost() == null
        || offer.value().cost() <= 0) {
      return null;
    }
    return BigDecimal.valueOf(offer.value().cost());
  }

  /** What the outcome teaches the decision's model, and how to count it once written. */
  private record Learned(RespondRepository.Evidence evidence, String modelType, String result) {
    static final Learned NOTHING = new Learned(null, null, null);

    /**
     * @param written whether the statement added the evidence: when it did not (the model's
     *     evidence was reset after the decision), the outcome is counted as skipped
     */
    void count(MeterRegistry meters, boolean written) {
      if (result == null) {
        return;
      }
      String result = evidence != null && !written ? "skipped" : this.result;
      Counter.builder("arbiter.model.updates")
          .description("Outcomes folded into learned model state (or skipped: model gone/changed)")
          .tag("type", modelType)
          .tag("result", result)
          .register(meters)
          .increment();
    }
  }

  private static Learned learn(
      CatalogSnapshot snapshot,
      RecordedDecision decision,
      OutcomeType type,
      String offerKey,
      RecordedDecision.ReturnedOffer returned) {
    if (!type.learns() || decision.modelKey() == null) {
      return Learned.NOTHING;
    }
    ScoringModel model = snapshot.model(decision.modelKey());
    return switch (model) {
      case ThompsonModel t ->
          new Learned(
              new RespondRepository.Evidence(
                  t.key(),
                  Learning.thompsonIncrements(offerKey, returned.category(), type.classification()),
                  List.of(),
                  decision.catalogVersion()),
              t.type(),
              "applied");
      case NaiveBayesModel nb -> {
        List<Learning.BinIncrement> increments =
            binIncrements(nb, offerKey, decision.modelBinning(), returned, type);
        yield increments == null
            ? new Learned(null, nb.type(), "skipped")
            : new Learned(
                new RespondRepository.Evidence(
                    nb.key(), List.of(), increments, decision.catalogVersion()),
                nb.type(),
                "applied");
      }
      case null -> new Learned(null, "unknown", "skipped");
      default -> new Learned(null, model.type(), "not_learning");
    };
  }

  /**
   * The bins recorded at decision time, for the model's current predictors; null if they moved: a
   * predictor added since has no recorded bin, and one whose fingerprint differs from the one the
   * decision recorded ({@code then}: predictor name to {@link NaiveBayesModel.Predictor#binning()})
   * bins otherwise now, so its recorded bin means something else. A predictor removed since does
   * not matter. A decision stored before fingerprints were recorded ({@code then} null) is checked
   * by its bins' range alone.
   */
  private static List<Learning.BinIncrement> binIncrements(
      NaiveBayesModel nb,
      String offerKey,
      Map<String, String> then,
      RecordedDecision.ReturnedOffer returned,
      OutcomeType t) {
    List<Learning.BinIncrement> increments = new ArrayList<>();
    for (int p = 0; p < nb.predictors().size(); p++) {
      NaiveBayesModel.Predictor predictor = nb.predictors().get(p);
      Integer bin = returned.bins().get(predictor.name());
      String recorded = then == null ? null : then.get(predictor.name());
      if (bin == null
          || bin < 0
          || bin >= predictor.binCount()
          || recorded != null && !recorded.equals(predictor.binning())) {
        return null;
      }
      increments.add(
          new Learning.BinIncrement(
              offerKey, p, predictor.name(), bin, t.classification() == OutcomeClass.POSITIVE));
    }
    return increments;
  }

  private void afterCommit(
      String tenantId,
      RespondRepository.Interaction i,
      Offer offer,
      BigDecimal cost,
      boolean charged) {
    appendToHistory(tenantId, i);
    if (charged) {
      charges.count(
          new RespondRepository.ChargeKey(tenantId, i.decisionId(), i.offerKey()),
          offer.budget().period(),
          i.recordedAt(),
          cost);
    }
  }

  /**
   * Adds a committed interaction to the customer's contact history; entries merge by id, so a
   * retry's append of the same interaction counts once (and deletes its unshared record if the
   * first request left it).
   */
  private void appendToHistory(String tenantId, RespondRepository.Interaction i) {
    try {
      contactSharing.append(
          tenantId,
          i.customerId(),
          ContactEntry.interaction(
              i.id(),
              new ContactEvent(
                  i.outcome(), i.offerKey(), i.category(), i.channel(), i.occurredAt())));
    } catch (RuntimeException e) {
      // Committed: with Redis, its unshared record has the reconciler append it; without, the
      // node's list is loaded from PostgreSQL again.
      log.warn("Could not add interaction {} to the contact history: {}", i.id(), e.toString());
    }
  }

  private static OutboxEvent interactionRecorded(
      String tenantKey,
      RespondRepository.Interaction i,
      OutcomeType type,
      RecordedDecision decision) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("interactionId", i.id());
    data.put("decisionId", i.decisionId());
    data.put("tenant", tenantKey);
    data.put("customerId", i.customerId());
    data.put("offerKey", i.offerKey());
    data.put("category", i.category());
    data.put("channel", i.channel());
    data.put("flowKey", decision.flowKey());
    data.put("outcome", i.outcome());
    data.put("classification", type.classification().name().toLowerCase(Locale.ROOT));
    data.put("value", i.value());
    data.put("occurredAt", i.occurredAt().toString());
    data.put("recordedAt", i.recordedAt().toString());
    return OutboxEvent.cloudEvent(
        i.id(),
        i.tenantId(),
        tenantKey,
        "interaction.recorded.v1",
        i.customerId(),
        i.occurredAt(),
        data);
  }

  private static Fields fields(String headerKey, Map<String, Object> body) {
    if (body == null) {
      throw ApiException.validation("body", "is required");
    }
    Object bodyKey = body.get("idempotencyKey");
    if (bodyKey != null && !(bodyKey instanceof String)) {
      throw ApiException.validation("idempotencyKey", "must be a string");
    }
    if (headerKey != null && bodyKey != null && !headerKey.equals(bodyKey)) {
      throw ApiException.validation(
          "idempotencyKey", "differs from the Idempotency-Key header; send one of them");
    }
    String key = headerKey != null ? headerKey : (String) bodyKey;
    if (key == null || key.isEmpty()) {
      throw new ApiException(
          400,
          "IDEMPOTENCY_KEY_REQUIRED",
          "Idempotency key required",
          "Respond needs an Idempotency-Key header (or body idempotencyKey), unique per outcome,"
              + " so a retry never records twice");
    }
    List<FieldError> errors = new ArrayList<>();
    if (!IDEMPOTENCY_KEY.matcher(key).matches()) {
      errors.add(
          new FieldError("idempotencyKey", "must be 1-255 visible ASCII characters, no spaces"));
    }
    for (String field : body.keySet()) {
      if (!FIELDS.contains(field)) {
        errors.add(new FieldError(field, "is not a field of a Respond request"));
      }
    }
    String decisionId = required(body, "decisionId", errors);
    String offerKey = required(body, "offerKey", errors);
    String customerId = required(body, "customerId", errors);
    String outcome = required(body, "outcome", errors);
    BigDecimal value = null;
    Object v = body.get("value");
    if (v != null) {
      if (v instanceof Number n
          && !(n instanceof Double d && !Double.isFinite(d))
          && new BigDecimal(n.toString()).abs().compareTo(BigDecimal.valueOf(1_000_000_000_000L))
              < 0) {
        value = new BigDecimal(n.toString());
      } else {
        errors.add(new FieldError("value", "must be a number below 10^12 in magnitude"));
      }
    }
    Instant occurredAt = null;
    Object o = body.get("occurredAt");
    if (o != null) {
      try {
        occurredAt = Instant.parse((String) o).truncatedTo(ChronoUnit.MICROS);
      } catch (ClassCastException | DateTimeParseException e) {
        errors.add(
            new FieldError("occurredAt", "must be an ISO-8601 instant, e.g. 2026-11-29T10:15:30Z"));
      }
    }
    if (!errors.isEmpty()) {
      throw ApiException.validation(errors);
    }
    String hash =
        sha256(
            String.join(
                "\u0000",
                decisionId,
                offerKey,
                customerId,
                outcome,
                value == null ? "" : value.stripTrailingZeros().toPlainString(),
                occurredAt == null ? "" : occurredAt.toString()));
    return new Fields(key, decisionId, offerKey, customerId, outcome, value, occurredAt, hash);
  }

  private static String required(Map<String, Object> body, String field, List<FieldError> errors) {
    Object v = body.get(field);
    if (!(v instanceof String s) || s.isBlank() || s.length() > 200) {
      errors.add(new FieldError(field, "is required: a non-blank string of at most 200"));
      return null;
    }
    return s;
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
