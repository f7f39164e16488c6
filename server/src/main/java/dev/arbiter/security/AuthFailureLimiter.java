package dev.arbiter.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.arbiter.config.ArbiterConfig.RateSpec;
import dev.arbiter.ratelimit.RateLimit;
import dev.arbiter.ratelimit.RateLimitDecision;
import dev.arbiter.ratelimit.RateLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Limits failed authentications per client address ({@code ARBITER_AUTH_FAILURE_LIMIT}, default
 * {@code 20/1m}).
 *
 * <p>Every unknown API key costs a database lookup (the negative cache only helps when the same key
 * is tried again), and every bad token a signature check, so a client trying made-up credentials
 * would otherwise choose how much work the server does for it. Each failure that presented a
 * credential (not a missing one) takes a permit from the address's bucket in the shared {@link
 * RateLimiter} (on Redis when {@code REDIS_URL} is set, so the limit holds across nodes). When the
 * bucket is empty, the address is refused on this node until the next failure would fit again:
 * further requests from it answer 429 {@code RATE_LIMITED} with {@code Retry-After} before any
 * lookup, except those with an API key this node has already resolved (no lookup to save, and
 * clients sharing an address with the one guessing keep working). The limit is a rate: after the
 * first burst, an address gets one more attempt per {@code window / permits}.
 *
 * <p>Metrics: {@code arbiter_auth_failures_total{code}} (every authentication failure), {@code
 * arbiter_auth_refused_total} (requests refused for their address) and {@code
 * arbiter_auth_refused_addresses} (addresses this node refuses now). Thread-safe.
 */
public final class AuthFailureLimiter {
  private static final Logger log = LoggerFactory.getLogger(AuthFailureLimiter.class);
  private static final String KEY_PREFIX = "auth-failures:";
  private static final long WARN_EVERY_MILLIS = 60_000;

  private final RateLimiter limiter;
  private final Optional<RateLimit> limit;
  private final Clock clock;
  // address -> epoch millis until which it is refused
  private final Cache<String, Long> refusedUntil;
  private final Map<AuthError, Counter> failures = new EnumMap<>(AuthError.class);
  private final Counter refused;
  private final AtomicLong lastWarning = new AtomicLong(Long.MIN_VALUE);

  /**
   * @param limit failures per window per address; empty counts failures but refuses no address
   */
  public AuthFailureLimiter(
      RateLimiter limiter, Optional<RateSpec> limit, Clock clock, MeterRegistry meters) {
    this.limiter = limiter;
    this.limit = limit.map(l -> RateLimit.of(l.permits(), l.window()));
    this.clock = clock;
    Duration longest = this.limit.map(RateLimit::window).orElse(Duration.ofMinutes(1));
    this.refusedUntil =
        Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(longest).build();
    for (AuthError error : AuthError.values()) {
      failures.put(
          error,
          Counter.builder("arbiter.auth.failures")
              .description("Requests that failed authentication or authorization, by error code")
              .tag("code", error.code())
              .register(meters));
    }
    this.refused =
        Counter.builder("arbiter.auth.refused")
            .description(
                "Requests refused before authentication because their client address exceeded"
                    + " ARBITER_AUTH_FAILURE_LIMIT")
            .register(meters);
    Gauge.builder("arbiter.auth.refused.addresses", refusedUntil, c -> refusedNow(c))
        .description("Client addresses this node refuses now for too many failed authentications")
        .register(meters);
  }

  private double refusedNow(Cache<String, Long> cache) {
    long now = clock.millis();
    return cache.asMap().values().stream().filter(until -> until > now).count();
  }

  /** Whether addresses can be refused at all ({@code ARBITER_AUTH_FAILURE_LIMIT} is not off). */
  public boolean enabled() {
    return limit.isPresent();
  }

  /**
   * Whether this node may be refusing some address now: false in the common case, in which the
   * caller need not work out the client's address before authenticating. Costs no lookup.
   */
  public boolean refusesAny() {
    return refusedUntil.estimatedSize() > 0;
  }

  /**
   * How long {@code address} is still refused; {@link Duration#ZERO} when it is not. Costs a map
   * lookup, no I/O.
   */
  public Duration refusedFor(String address) {
    Long until = refusedUntil.getIfPresent(address);
    if (until == null) {
      return Duration.ZERO;
    }
    long left = until - clock.millis();
    return left > 0 ? Duration.ofMillis(left) : Duration.ZERO;
  }

  /** Counts a request refused because its address is over the limit. */
  public void refused() {
    refused.increment();
  }

  /**
   * Records a failed authentication from {@code address}: counted by code, and, when it presented a
   * credential, taken from the address's bucket (which refuses the address once empty).
   */
  public void failed(String address, AuthError error) {
    failures.get(error).increment();
    if (limit.isEmpty() || !countsAgainstAddress(error)) {
      return;
    }
    RateLimitDecision d = limiter.tryAcquire(KEY_PREFIX + address, limit.get());
    if (d.allowed()) {
      return;
    }
    long until = clock.millis() + Math.max(1, d.retryAfter().toMillis());
    refusedUntil.asMap().merge(address, until, Math::max);
    warn(address, d.retryAfter());
  }

  /**
   * Whether a failure with {@code error} is a credential that was tried and refused: not a missing
   * one, nor a tenant the caller forgot to name, nor a known caller lacking a permission (nothing a
   * guesser learns from), nor the identity provider being down (not the caller's fault).
   */
  static boolean countsAgainstAddress(AuthError error) {
    return error.status() == 401
        && error != AuthError.AUTH_MISSING_TOKEN
        && error != AuthError.TENANT_REQUIRED;
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
