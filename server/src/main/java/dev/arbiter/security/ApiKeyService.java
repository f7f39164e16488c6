package dev.arbiter.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.arbiter.audit.AuditEntry;
import dev.arbiter.audit.AuditLog;
import dev.arbiter.shared.ApiException;
import dev.arbiter.shared.FieldError;
import dev.arbiter.shared.Ids;
import dev.arbiter.shared.Page;
import dev.arbiter.tenant.Tenant;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Creates, resolves and revokes API keys. Resolution runs on every request, so hits are cached for
 * {@link #CACHE_TTL}: a key revoked on this node stops working at once, on other nodes as soon as
 * the revocation's NOTIFY reaches them ({@link #forget}; within the TTL when it is lost). Creating
 * and revoking are audited ({@code kind=api_key}). Last use is recorded in memory and written in
 * batches by {@link #flushUsage()}.
 */
public class ApiKeyService {
  /** How long a resolved key is trusted without asking the database again. */
  public static final Duration CACHE_TTL = Duration.ofSeconds(30);

  private final ApiKeyRepository keys;
  private final ApiKeyHasher hasher;
  private final Clock clock;
  private final Cache<String, ApiKey> byHash =
      Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(CACHE_TTL).build();
  private final Set<String> usedSinceFlush = ConcurrentHashMap.newKeySet();
  // Hashes no key has: a caller trying made-up keys costs one query per hash per TTL, not one
  // per request. A new key is random, so it can never be among them.
  private final Cache<String, Boolean> unknownHashes =
      Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(CACHE_TTL).build();

  /**
   * How long a key resolved as live is remembered as such for {@link #wasRecentlyValid}: longer
   * than the resolution cache, so that a key in steady use is never taken for a guess when its
   * cached resolution expires.
   */
  public static final Duration RECENTLY_VALID = Duration.ofMinutes(10);

  // hash -> key id of keys resolved as live within RECENTLY_VALID
  private final Cache<String, String> recentlyValid =
      Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(RECENTLY_VALID).build();

  // ids of keys revoked within twice the TTL, here or on another node: a resolution that read a
  // key's row just before its revocation committed does not cache it as live
  private final Cache<String, Boolean> revokedIds =
      Caffeine.newBuilder()
          .maximumSize(100_000)
          .expireAfterWrite(CACHE_TTL.multipliedBy(2))
          .build();
  private final AuditLog audit;

  public ApiKeyService(ApiKeyRepository keys, ApiKeyHasher hasher, AuditLog audit, Clock clock) {
    this.keys = keys;
    this.hasher = hasher;
    this.audit = audit;
    this.clock = clock;
  }

  /** A key just created: {@code key} is the secret, shown once. */
  public record Created(ApiKey apiKey, String key) {}

  /**
   * Creates a key for {@code tenant}.
   *
   * @throws ApiException 422 when the name or role is invalid
   */
  public Created create(Tenant tenant, String name, String role, String createdBy) {
    List<FieldError> errors = new ArrayList<>();
    Role parsed = null;
    try {
      parsed = role == null ? null : Role.fromString(role);
    } catch (IllegalArgumentException e) {
      // reported below
    }
    if (parsed == null) {
      errors.add(new FieldError("role", "must be one of admin, editor, viewer, decision"));
    }
    String keyName = name == null || name.isBlank() ? null : name.trim();
    if (keyName == null) {
      errors.add(new FieldError("name", "is required"));
    } else if (keyName.length() > 200) {
      errors.add(new FieldError("name", "must be at most 200 characters"));
    }
    if (!errors.isEmpty()) {
      throw ApiException.validation(errors);
    }
    String secret = hasher.newKey();
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    ApiKey key =
        new ApiKey(
            Ids.newId(),
            tenant.id(),
            tenant.key(),
            keyName,
            parsed,
            ApiKeyHasher.displayPrefix(secret),
            createdBy,
            now,
            null,
            null);
    keys.insert(key, hasher.hash(secret));
    audit(key.tenantId(), key.id(), createdBy, "create", audited(key));
    return new Created(key, secret);
  }

  /** The live (not revoked) key for {@code secret}, if any. */
  public Optional<ApiKey> resolve(String secret) {
    String hash = hasher.hash(secret);
    ApiKey key = byHash.getIfPresent(hash);
    if (key == null) {
      if (unknownHashes.getIfPresent(hash) != null) {
        return Optional.empty();
      }
      Optional<ApiKey> found = keys.findByHash(hash);
      if (found.isEmpty()) {
        unknownHashes.put(hash, Boolean.TRUE);
        return Optional.empty();
      }
      key = found.get();
      byHash.put(hash, key);
      if (!key.revoked() && revokedIds.getIfPresent(key.id()) != null) {
        // revoked while this read it: the revocation's forget may have run before the put
        byHash.invalidate(hash);
        recentlyValid.invalidate(hash);
        return Optional.empty();
      }
      if (key.revoked()) {
        recentlyValid.invalidate(hash); // revoked on another node
      } else {
        recentlyValid.put(hash, key.id());
      }
    }
    if (key.revoked()) {
      return Optional.empty();
    }
    usedSinceFlush.add(key.id());
    return Optional.of(key);
  }

  /**
   * Whether {@code secret} was a live key on this node within {@link #RECENTLY_VALID}: answered
   * from memory, never from the database. A key revoked on this node stops being one at once.
   */
  public boolean wasRecentlyValid(String secret) {
    return recentlyValid.getIfPresent(hasher.hash(secret)) != null;
  }

  public Page<ApiKey> list(Tenant tenant, Integer limit, String cursor) {
    int n = Page.limit(limit);
    return Page.of(keys.list(tenant.id(), Page.after(cursor), n + 1), n, ApiKey::id);
  }

  /**
   * Revokes a key of {@code tenant}.
   *
   * @throws ApiException 404 when the tenant has no such live key
   */
  public void revoke(Tenant tenant, String id, String actor) {
    Instant at = clock.instant();
    if (!keys.revoke(tenant.id(), id, at)) {
      throw ApiException.notFound("API key '" + id + "'");
    }
    forget(id);
    Map<String, Object> after = new LinkedHashMap<>();
    after.put("id", id);
    after.put("revokedAt", at.toString());
    audit(tenant.id(), id, actor, "revoke", after);
  }

  /**
   * Stops trusting key {@code id} on this node at once: it was revoked here or on another node (the
   * revocation's NOTIFY).
   */
  public void forget(String id) {
    revokedIds.put(id, Boolean.TRUE);
    byHash.asMap().values().removeIf(k -> k.id().equals(id));
    recentlyValid.asMap().values().removeIf(id::equals);
  }

  /**
   * Drops every cached resolution: revocations may have been announced while this node was not
   * listening (called when it listens again, with the database back).
   */
  public void forgetAll() {
    byHash.invalidateAll();
  }

  /** Records a change to key {@code keyId} ({@code kind=api_key}); nothing of its secret. */
  private void audit(
      String tenantId, String keyId, String actor, String action, Map<String, Object> after) {
    audit.record(
        tenantId,
        AuditEntry.of(clock.instant(), actor, action, "api_key", keyId, keyId, null, after));
  }

  /** What the audit log keeps of a key: never its secret or hash. */
  private static Map<String, Object> audited(ApiKey key) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", key.id());
    m.put("name", key.name());
    m.put("role", key.role().wireName());
    m.put("keyPrefix", key.keyPrefix());
    m.put("createdAt", key.createdAt().toString());
    return m;
  }

  /** Writes the last-use time of keys used since the previous flush. */
  public void flushUsage() {
    if (usedSinceFlush.isEmpty()) {
      return;
    }
    List<String> ids = new ArrayList<>(usedSinceFlush);
    usedSinceFlush.removeAll(ids);
    keys.touch(ids, clock.instant());
  }
}
