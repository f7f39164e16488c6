package dev.arbiter.tenant;

import dev.arbiter.audit.AuditEntry;
import dev.arbiter.audit.AuditLog;
import dev.arbiter.shared.ApiException;
import dev.arbiter.shared.FieldError;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.transaction.support.TransactionTemplate;

/** Reads and changes tenant settings with optimistic locking and an audit entry per change. */
public class TenantSettingsService {
  private static final Set<String> FIELDS =
      Set.of("traceEnabled", "traceSampleRate", "timeZone", "rowVersion", "updatedAt");

  private final TenantSettingsRepository settings;
  private final AuditLog audit;
  private final TransactionTemplate tx;
  private final Clock clock;

  public TenantSettingsService(
      TenantSettingsRepository settings, AuditLog audit, TransactionTemplate tx, Clock clock) {
    this.settings = settings;
    this.audit = audit;
    this.tx = tx;
    this.clock = clock;
  }

  public TenantSettings get(String tenantId) {
    return settings.find(tenantId).orElse(TenantSettings.defaults());
  }

  /**
   * The settings for the decision path: cached for {@link #CACHE_TTL}, so a change made on another
   * node applies within that time (at once on this node).
   */
  public TenantSettings cached(String tenantId) {
    return cache.get(tenantId, this::get);
  }

  /** How long {@link #cached(String)} may serve settings changed on another node. */
  public static final java.time.Duration CACHE_TTL = java.time.Duration.ofSeconds(10);

  private final com.github.benmanes.caffeine.cache.Cache<String, TenantSettings> cache =
      com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
          .maximumSize(10_000)
          .expireAfterWrite(CACHE_TTL)
          .build();

  /**
   * Replaces the settings; omitted fields keep their current value.
   *
   * @throws ApiException 422 for invalid fields, 409 {@code ROW_VERSION_CONFLICT} when stale
   */
  public TenantSettings update(String tenantId, String actor, Map<String, Object> body) {
    if (body == null) {
      throw ApiException.validation("body", "is required");
    }
    List<FieldError> errors = new ArrayList<>();
    for (String field : body.keySet()) {
      if (!FIELDS.contains(field)) {
        errors.add(new FieldError(field, "is not a known setting"));
      }
    }
    if (!errors.isEmpty()) {
      throw ApiException.validation(errors);
    }
    long exp = ApiException.rowVersion(body);
    TenantSettings current = get(tenantId);
    boolean traceEnabled = current.traceEnabled();
    double rate = current.traceSampleRate();
    String zone = current.timeZone();
    if (body.containsKey("traceEnabled")) {
      if (body.get("traceEnabled") instanceof Boolean b) {
        traceEnabled = b;
      } else {
        errors.add(new FieldError("traceEnabled", "must be true or false"));
      }
    }
    if (body.containsKey("traceSampleRate")) {
      if (body.get("traceSampleRate") instanceof Number n
          && n.doubleValue() >= 0
          && n.doubleValue() <= 1) {
        rate = n.doubleValue();
      } else {
        errors.add(new FieldError("traceSampleRate", "must be a number from 0 to 1"));
      }
    }
    if (body.containsKey("timeZone")) {
      try {
        zone = ZoneId.of(String.valueOf(body.get("timeZone"))).getId();
      } catch (DateTimeException e) {
        errors.add(new FieldError("timeZone", "must be an IANA time zone such as Europe/Paris"));
      }
    }
    if (!errors.isEmpty()) {
      throw ApiException.validation(errors);
    }
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    TenantSettings next = new TenantSettings(traceEnabled, rate, zone, exp + 1, now);
    TenantSettings written =
        tx.execute(
            s -> {
              if (!settings.save(tenantId, next, exp, actor)) {
                throw ApiException.rowVersionConflict(
                    "Tenant settings", exp, get(tenantId).rowVersion());
              }
              audit.record(
                  tenantId,
                  AuditEntry.of(
                      now,
                      actor,
                      "update",
                      "tenant_settings",
                      null,
                      tenantId,
                      current.view(),
                      next.view()));
              return next;
            });
    return saved(tenantId, written);
  }

  private TenantSettings saved(String tenantId, TenantSettings next) {
    cache.put(tenantId, next);
    return next;
  }
}
