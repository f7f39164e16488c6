package dev.arbiter.respond;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.arbiter.audit.AuditEntry;
import dev.arbiter.audit.AuditLog;
import dev.arbiter.contact.ContactEntry;
import dev.arbiter.engine.scoring.OutcomeClass;
import dev.arbiter.shared.ApiException;
import dev.arbiter.shared.FieldError;
import dev.arbiter.shared.Ids;
import dev.arbiter.shared.Page;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The outcome types of each tenant: the six built-in ones ({@code impression}, {@code click},
 * {@code accept}, {@code convert} positive; {@code reject}, {@code dismiss} negative) and those the
 * tenant defines, at most {@value #MAX_CUSTOM} of them. Built-in types cannot be changed or
 * deleted; a type a contact policy counts cannot be deleted. Respond classifies outcomes through a
 * per-tenant cache that this node refreshes on its own writes and every {@link #CACHE_TTL} for
 * other nodes' writes. Thread-safe.
 */
public class OutcomeTypes {
  static final int MAX_CUSTOM = 200;
  static final Duration CACHE_TTL = Duration.ofSeconds(10);
  static final Pattern KEY = Pattern.compile("^[a-z0-9][a-z0-9_.-]{0,63}$");
  private static final Set<String> FIELDS =
      Set.of("key", "name", "description", "classification", "rowVersion");

  static final Map<String, OutcomeType> BUILT_IN = builtIns();

  private final OutcomeTypeRepository repository;
  private final AuditLog audit;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final LoadingCache<String, Map<String, OutcomeType>> byTenant;

  public OutcomeTypes(
      OutcomeTypeRepository repository, AuditLog audit, TransactionTemplate tx, Clock clock) {
    this.repository = repository;
    this.audit = audit;
    this.tx = tx;
    this.clock = clock;
    this.byTenant =
        Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(CACHE_TTL).build(this::load);
  }

  private static Map<String, OutcomeType> builtIns() {
    Map<String, OutcomeType> m = new LinkedHashMap<>();
    for (OutcomeType t :
        List.of(
            OutcomeType.builtIn("impression", "Impression", OutcomeClass.POSITIVE),
            OutcomeType.builtIn("click", "Click", OutcomeClass.POSITIVE),
            OutcomeType.builtIn("accept", "Accept", OutcomeClass.POSITIVE),
            OutcomeType.builtIn("convert", "Convert", OutcomeClass.POSITIVE),
            OutcomeType.builtIn("reject", "Reject", OutcomeClass.NEGATIVE),
            OutcomeType.builtIn("dismiss", "Dismiss", OutcomeClass.NEGATIVE))) {
      m.put(t.key(), t);
    }
    return java.util.Collections.unmodifiableMap(m);
  }

  private Map<String, OutcomeType> load(String tenantId) {
    Map<String, OutcomeType> m = new LinkedHashMap<>(BUILT_IN);
    for (OutcomeType t : repository.list(tenantId)) {
      m.put(t.key(), t);
    }
    return java.util.Collections.unmodifiableMap(m);
  }

  /** The type named {@code key} for the tenant, or null (cached; see the class comment). */
  public OutcomeType resolve(String tenantId, String key) {
    OutcomeType builtIn = BUILT_IN.get(key);
    return builtIn != null ? builtIn : byTenant.get(tenantId).get(key);
  }

  /**
   * Every type, built-in first; one page (a tenant has at most {@value #MAX_CUSTOM} of its own).
   */
  /** One page of the tenant's outcome types, built-in ones included, by key. */
  public Page<Map<String, Object>> list(String tenantId, Integer limit, String cursor) {
    List<OutcomeType> all = new ArrayList<>(BUILT_IN.values());
    all.addAll(repository.list(tenantId));
    all.sort(java.util.Comparator.comparing(OutcomeType::key));
    return Page.slice(all, OutcomeType::key, limit, cursor).map(OutcomeType::view);
  }

  public OutcomeType get(String tenantId, String key) {
    OutcomeType builtIn = BUILT_IN.get(key);
    if (builtIn != null) {
      return builtIn;
    }
    return repository.find(tenantId, key).orElseThrow(() -> notFound(key));
  }

  public OutcomeType create(
      String tenantId, String actor, String requestId, Map<String, Object> body) {
    Fields f = fields(body, true);
    if (BUILT_IN.containsKey(f.key) || ContactEntry.DECISION.equals(f.key)) {
      throw ApiException.duplicateKey("Outcome type '" + f.key + "' (built in)");
    }
    Instant now = clock.instant();
    OutcomeType created =
        new OutcomeType(
            Ids.newId(),
            f.key,
            f.name,
            f.description,
            f.classification,
            false,
            f.classification != OutcomeClass.NEUTRAL,
            1,
            now,
            now);
    tx.executeWithoutResult(
        s -> {
          if (repository.count(tenantId) >= MAX_CUSTOM) {
            throw ApiException.validation(
                "key", "a tenant may define at most " + MAX_CUSTOM + " outcome types");
          }
          try {
            repository.insert(tenantId, created);
          } catch (DuplicateKeyException e) {
            throw ApiException.duplicateKey("Outcome type '" + f.key + "'");
          }
          audit.record(tenantId, entry(actor, requestId, "create", created, null, created));
        });
    byTenant.invalidate(tenantId);
    return created;
  }

  public OutcomeType update(
      String tenantId, String actor, String requestId, String key, Map<String, Object> body) {
    refuseBuiltIn(key, "changed");
    Fields f = fields(body, false);
    if (f.key != null && !f.key.equals(key)) {
      throw ApiException.validation("key", "cannot be changed (it is '" + key + "')");
    }
    long sent = ApiException.rowVersion(body);
    OutcomeType updated =
        tx.execute(
            s -> {
              OutcomeType current = repository.find(tenantId, key).orElseThrow(() -> notFound(key));
              if (current.rowVersion() != sent) {
                throw ApiException.rowVersionConflict(
                    "Outcome type '" + key + "'", sent, current.rowVersion());
              }
              OutcomeType next =
                  new OutcomeType(
                      current.id(),
                      key,
                      f.name,
                      f.description,
                      f.classification,
                      false,
                      f.classification != OutcomeClass.NEUTRAL,
                      current.rowVersion() + 1,
                      current.createdAt(),
                      clock.instant());
              if (!repository.update(tenantId, next, sent)) {
                throw ApiException.rowVersionConflict(
                    "Outcome type '" + key + "'", sent, current.rowVersion() + 1);
              }
              audit.record(tenantId, entry(actor, requestId, "update", next, current, next));
              return next;
            });
    byTenant.invalidate(tenantId);
    return updated;
  }

  public void delete(String tenantId, String actor, String requestId, String key) {
    refuseBuiltIn(key, "deleted");
    tx.executeWithoutResult(
        s -> {
          OutcomeType current = repository.find(tenantId, key).orElseThrow(() -> notFound(key));
          List<String> users = repository.policiesUsing(tenantId, key);
          if (!users.isEmpty()) {
            throw new ApiException(
                409,
                "RESOURCE_IN_USE",
                "Resource in use",
                "Outcome type '" + key + "' is counted by contact policies " + users);
          }
          repository.delete(tenantId, key);
          audit.record(tenantId, entry(actor, requestId, "delete", current, current, null));
        });
    byTenant.invalidate(tenantId);
  }

  private static void refuseBuiltIn(String key, String what) {
    if (BUILT_IN.containsKey(key)) {
      throw new ApiException(
          409,
          "BUILT_IN_OUTCOME_TYPE",
          "Built-in outcome type",
          "Outcome type '" + key + "' is built in and cannot be " + what);
    }
  }

  private static ApiException notFound(String key) {
    return ApiException.notFound("Outcome type '" + key + "'");
  }

  private AuditEntry entry(
      String actor,
      String requestId,
      String action,
      OutcomeType subject,
      OutcomeType before,
      OutcomeType after) {
    return new AuditEntry(
        Ids.newId(),
        clock.instant(),
        actor,
        action,
        "outcome_type",
        subject.key(),
        subject.id(),
        requestId,
        before == null ? null : before.view(),
        after == null ? null : after.view());
  }

  private record Fields(String key, String name, String description, OutcomeClass classification) {}

  private static Fields fields(Map<String, Object> body, boolean create) {
    if (body == null) {
      throw ApiException.validation("body", "is required");
    }
    List<FieldError> errors = new ArrayList<>();
    for (String field : body.keySet()) {
      if (!FIELDS.contains(field)) {
        errors.add(new FieldError(field, "is not a field of an outcome type"));
      }
    }
    String key = text(body, "key", errors, create ? 64 : -1);
    if (key != null && !KEY.matcher(key).matches()) {
      errors.add(
          new FieldError(
              "key", "must be 1-64 lowercase letters, digits, '_', '.' or '-', starting alnum"));
    }
    String name = text(body, "name", errors, 200);
    Object d = body.get("description");
    if (d != null && !(d instanceof String s && s.length() <= 2000)) {
      errors.add(new FieldError("description", "must be a string of at most 2000 characters"));
    }
    OutcomeClass classification = null;
    Object c = body.get("classification");
    if (c instanceof String s) {
      try {
        classification = OutcomeClass.valueOf(s.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        // reported below
      }
    }
    if (classification == null) {
      errors.add(new FieldError("classification", "must be positive, negative or neutral"));
    }
    if (!errors.isEmpty()) {
      throw ApiException.validation(errors);
    }
    return new Fields(key, name, (String) d, classification);
  }

  /**
   * A required string field of at most {@code max} characters; {@code max < 0}: optional, any
   * length checks left to the caller.
   */
  private static String text(
      Map<String, Object> body, String field, List<FieldError> errors, int max) {
    Object v = body.get(field);
    if (v == null && max < 0) {
      return null;
    }
    if (!(v instanceof String s) || s.isBlank() || (max > 0 && s.length() > max)) {
      errors.add(
          new FieldError(
              field, "is required: a non-blank string" + (max > 0 ? " of at most " + max : "")));
      return null;
    }
    return s;
  }
}
