package dev.arbiter.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.arbiter.config.ArbiterConfig.RateSpec;
import dev.arbiter.ratelimit.LocalRateLimiter;
import dev.arbiter.ratelimit.RateLimit;
import dev.arbiter.ratelimit.RateLimitDecision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Limits failed authentications per client address ({@code ARBITER_AUTH_FAILURE_LIMIT}, default
 * {@code 20/1m}), on each node.
 *
 * <p>Every unknown API key costs a database lookup (the negative cache only helps when the same key
 * is tried again), and every token with a bad signature a signature check, so a client trying
 * made-up credentials would otherwise choose how much work the server does for it. Each such
 * failure ({@link #counts}) takes a permit from the address's bucket. When the bucket is empty the
 * address becomes <em>watched</em> for one window: while it is refused it is answered 429 {@code
 * RATE_LIMITED} before any lookup, and afterwards each of its requests that would need a lookup
 * takes its permit <em>before</em> the lookup, so requests sent in parallel the moment a refusal
 * ends get one lookup per free permit, not one each. Requests with an API key that was valid on
 * this node in the last {@link ApiKeyService#RECENTLY_VALID} are never refused (no guess, and a
 * channel that shares an address with whoever guesses keeps working), nor are JWTs: checking a
 * signature needs no lookup, so a signed-in user behind the same address is served (bad signatures
 * still count toward the limit). After the first burst an address gets one more attempt per {@code
 * window / permits}.
 *
 * <p>The buckets are this limiter's own, in this process: no client address is written to Redis,
 * and they are never among the tenants' rate-limit buckets. N nodes allow an address N times the
 * limit between them, which still bounds the lookups it can cause. Addresses are keys as {@link
 * ClientAddresses} makes them (an IPv6 client by its /64).
 *
 * <p>Metrics: {@code arbiter_auth_failures_total{code}} (requests the authentication filter
 * refused, by code), {@code arbiter_auth_refused_total} (requests refused for their address) and
 * {@code arbiter_auth_refused_addresses} (addresses this node refuses now). Thread-safe.
 */
public final class AuthFailureLimiter {
  private static final Logger log = LoggerFactory.getLogger(AuthFailureLimiter.class);
  private static final long WARN_EVERY_MILLIS = 60_000;

  /**
   * Failures of a credential checked against a secret: a lookup or a signature check each, or a
   * wrong cron secret (a short secret could otherwise be guessed online).
   */
  private static final Set<AuthError> COUNTED =
      EnumSet.of(
          AuthError.AUTH_INVALID_API_KEY,
          AuthError.AUTH_BAD_SIGNATURE,
          AuthError.AUTH_UNKNOWN_KEY_ID,
          AuthError.CRON_UNAUTHORIZED);

  /** What {@link #admit} decided. */
  public record Admission(boolean allowed, boolean permitTaken, Duration retryAfter) {
    static final Admission FREE = new Admission(true, false, Duration.ZERO);
    static final Admission TAKEN = new Admission(true, true, Duration.ZERO);
  }

  private final LocalRateLimiter limiter;
  private final Optional<RateLimit> limit;
  private final Clock clock;
  // watched address -> epoch millis until which it is refused; kept for a window after that
  private final Cache<String, Long> watched;
  private final Map<AuthError, Counter> failures = new EnumMap<>(AuthError.class);
  private final Counter refused;
  private final AtomicLong lastWarning = new AtomicLong(Long.MIN_VALUE);

  /**
   * @param limit failures per window per address; empty counts failures but refuses no address
   */
  public AuthFailureLimiter(Optional<RateSpec> limit, Clock clock, MeterRegistry meters) {
    this.limiter = new LocalRateLimiter(clock);
    this.limit = limit.map(l -> RateLimit.of(l.permits(), l.window()));
    this.clock = clock;
    Duration window = this.limit.map(RateLimit::window).orElse(Duration.ofMinutes(1));
    this.watched = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(window).build();
    for (AuthError error : AuthError.values()) {
      if (error == AuthError.FORBIDDEN_ROLE) {
        continue; // decided after authentication, by the permission checks: never seen here
      }
      failures.put(
          error,
          Counter.builder("arbiter.auth.failures")
              .description("Requests the authentication filter refused, by error code")
              .tag("code", error.code())
              .register(meters));
    }
    this.refused =
        Counter.builder("arbiter.auth.refused")
            .description(
                "Requests refused before authentication because their client address exceeded"
                    + " ARBITER_AUTH_FAILURE_LIMIT")
            .register(meters);
    Gauge.builder("arbiter.auth.refused.addresses", watched, this::refusedNow)
        .description("Client addresses this node refuses now for too many failed authentications")
        .register(meters);
  }

  private double refusedNow(Cache<String, Long> cache) {
    long now = clock.millis();
    return cache.asMap().values().stream().filter(until -> until > now).count();
  }

  /**
   * Whether this node watches some address now: false in the common case, in which the caller need
   * not work out the client's address before authenticating. Costs no lookup.
   */
  public boolean watchesAny() {
    return watched.estimatedSize() > 0;
  }

  /**
   * Before a request from {@code address} that needs a credential lookup: refused while the address
   * is refused; for a watched address, allowed only with a permit taken now.
   */
  public Admission admit(String address) {
    Long until = watched.getIfPresent(address);
    if (until == null || limit.isEmpty()) {
      return Admission.FREE;
    }
    long left = until - clock.millis();
    if (left > 0) {
      refused.increment();
      return new Admission(false, false, Duration.ofMillis(left));
    }
    RateLimitDecision d = limiter.tryAcquire(address, limit.get());
    if (d.allowed()) {
      return Admission.TAKEN;
    }
    refuse(address, d.retryAfter());
    refused.increment();
    return new Admission(false, false, d.retryAfter());
  }

  /**
   * Records a request the authentication filter refused with {@code error}: counted by code and,
   * when it {@link #counts}, against {@code address} (unless {@link #admit} took its permit).
   *
   * @param address the client's address key, or null when it cannot be told
   */
  public void failed(String address, AuthError error, boolean permitTaken) {
    Counter counter = failures.get(error);
    if (counter != null) {
      counter.increment();
    }
    if (address == null || permitTaken || !countsAgainstAddress(error)) {
      return;
    }
    RateLimitDecision d = limiter.tryAcquire(address, limit.get());
    if (!d.allowed()) {
      refuse(address, d.retryAfter());
    }
  }

  private void refuse(String address, Duration retryAfter) {
    long until = clock.millis() + Math.max(1, retryAfter.toMillis());
    watched.asMap().merge(address, until, Math::max);
    warn(address, retryAfter);
  }

  /**
   * Whether a failure with {@code error} is taken from an address's bucket here ({@link #counts}).
   */
  public boolean countsAgainstAddress(AuthError error) {
    return limit.isPresent() && counts(error);
  }

  /**
   * Whether a failure with {@code error} counts against the address: a credential checked against a
   * secret that did not match (an unknown API key, a bad signature, an unknown signing key, a wrong
   * cron secret). Not a missing or malformed one, nor a validly signed token that expired or names
   * another issuer or audience (a real client with a stale token, not a guess), nor the identity
   * provider being down.
   */
  static boolean counts(AuthError error) {
    return COUNTED.contains(error);
  }

  private void warn(String address, Duration retryAfter) {
    long now = clock.millis();
    long last = lastWarning.get();
    if ((last == Long.MIN_VALUE || now - last >= WARN_EVERY_MILLIS)
        && lastWarning.compareAndSet(last, now)) {
      log.warn(
          "Refusing client address {} for {} ms: more than {} failed authentications (more"
              + " addresses may follow; arbiter_auth_refused_addresses counts them; logged at"
              + " most once a minute)",
          address,
          retryAfter.toMillis(),
          limit.map(l -> l.permits() + " per " + l.window()).orElse("?"));
    }
  }
}
