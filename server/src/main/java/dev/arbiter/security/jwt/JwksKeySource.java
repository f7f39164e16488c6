package dev.arbiter.security.jwt;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import dev.arbiter.security.AuthError;
import dev.arbiter.security.AuthException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The identity provider's RS256 public keys, fetched from {@code JWKS_URL} and cached.
 *
 * <p>Rules: a key set is used for its TTL; an expired one is still used while a refresh runs in the
 * background, so no request waits for the provider once keys are cached; an unknown key id triggers
 * one synchronous refresh; and no two fetches start less than the minimum interval apart, whatever
 * triggered them, so a caller spraying random key ids or a provider that is down costs at most one
 * fetch per interval. A failed fetch keeps the previous keys. Thread-safe.
 */
final class JwksKeySource implements AutoCloseable {
  private final URI url;
  private final Duration ttl;
  private final Duration fetchTimeout;
  private final Duration minRefreshInterval;
  private final Clock clock;
  private final HttpClient http;

  private final Object lock = new Object();
  private volatile KeySnapshot keys; // null until the first successful fetch
  private Instant lastAttempt; // guarded by lock
  private CompletableFuture<KeySnapshot> inFlight; // guarded by lock
  private volatile String lastError;

  JwksKeySource(
      URI url, Duration ttl, Duration fetchTimeout, Duration minRefreshInterval, Clock clock) {
    this.url = url;
    this.ttl = ttl;
    this.fetchTimeout = fetchTimeout;
    this.minRefreshInterval = minRefreshInterval;
    this.clock = clock;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(fetchTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /**
   * The key that signed a token with this key id.
   *
   * @param kid the token's {@code kid}; null is accepted only while the key set holds one key
   * @throws AuthException {@code AUTH_UNKNOWN_KEY_ID} when the key set lacks the id even after a
   *     refresh; {@code AUTH_JWKS_UNREACHABLE} when no key set could ever be fetched
   */
  RSAKey keyFor(String kid) {
    KeySnapshot seen = keys;
    if (seen == null) {
      seen = refresh(null).join();
      if (seen == null) {
        throw unreachable();
      }
    } else if (!clock.instant().isBefore(seen.fetchedAt().plus(ttl))) {
      refresh(seen); // in the background: the stale keys answer meanwhile
    }
    RSAKey key = seen.find(kid);
    if (key != null) {
      return key;
    }
    KeySnapshot fresh = refresh(seen).join();
    if (fresh == null) {
      throw unreachable();
    }
    key = fresh.find(kid);
    if (key == null) {
      throw new AuthException(
          AuthError.AUTH_UNKNOWN_KEY_ID,
          (kid == null
                  ? "Expected the token to name its signing key (kid), but it has none and the"
                      + " identity provider publishes "
                      + fresh.all().size()
                      + " keys"
                  : "Expected the token's key id '"
                      + kid
                      + "' to be in the identity provider's key set, but it is not")
              + " (known key ids: "
              + fresh.knownIds()
              + ")");
    }
    return key;
  }

  /** The last fetch failure, or null when the last fetch succeeded or none has failed. */
  String lastError() {
    return lastError;
  }

  @Override
  public void close() {
    http.close();
  }

  private AuthException unreachable() {
    String error = lastError;
    return new AuthException(
        AuthError.AUTH_JWKS_UNREACHABLE,
        "Expected to fetch the identity provider's keys from "
            + url
            + ", but "
            + (error == null ? "the fetch failed" : error)
            + "; retry later");
  }

  /**
   * Starts a fetch unless one is running, someone already replaced {@code seen}, or the last fetch
   * began less than the minimum interval ago; the future answers the keys to use afterwards.
   */
  private CompletableFuture<KeySnapshot> refresh(KeySnapshot seen) {
    synchronized (lock) {
      if (inFlight != null) {
        return inFlight;
      }
      KeySnapshot current = keys;
      if (current != seen) {
        return CompletableFuture.completedFuture(current);
      }
      Instant now = clock.instant();
      if (lastAttempt != null && now.isBefore(lastAttempt.plus(minRefreshInterval))) {
        return CompletableFuture.completedFuture(current);
      }
      lastAttempt = now;
      CompletableFuture<KeySnapshot> fetch = fetch().handle(this::complete);
      if (!fetch.isDone()) {
        inFlight = fetch;
      }
      return fetch;
    }
  }

  private KeySnapshot complete(KeySnapshot fetched, Throwable failure) {
    synchronized (lock) {
      inFlight = null;
      if (fetched != null) {
        keys = fetched;
        lastError = null;
      } else {
        lastError = describe(failure);
      }
      return keys;
    }
  }

  private CompletableFuture<KeySnapshot> fetch() {
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(fetchTimeout)
            .header("Accept", "application/jwk-set+json, application/json")
            .GET()
            .build();
    try {
      return http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
          // Bounds the body too, which the request timeout alone does not.
          .orTimeout(fetchTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .thenApply(this::parse);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private KeySnapshot parse(HttpResponse<String> response) {
    if (response.statusCode() != 200) {
      throw new IllegalStateException("it answered HTTP " + response.statusCode());
    }
    JWKSet set;
    try {
      set = JWKSet.parse(response.body());
    } catch (ParseException e) {
      throw new IllegalStateException("its answer is not a JWK set (" + e.getMessage() + ")");
    }
    List<RSAKey> all = new ArrayList<>();
    Map<String, RSAKey> byKid = new HashMap<>();
    for (JWK jwk : set.getKeys()) {
      if (jwk instanceof RSAKey rsa
          && (jwk.getKeyUse() == null || KeyUse.SIGNATURE.equals(jwk.getKeyUse()))
          && (jwk.getAlgorithm() == null || JWSAlgorithm.RS256.equals(jwk.getAlgorithm()))) {
        RSAKey publicKey = rsa.toPublicJWK();
        all.add(publicKey);
        if (publicKey.getKeyID() != null) {
          byKid.put(publicKey.getKeyID(), publicKey);
        }
      }
    }
    return new KeySnapshot(Map.copyOf(byKid), List.copyOf(all), clock.instant());
  }

  private String describe(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof TimeoutException || cause instanceof HttpTimeoutException) {
      return "it did not answer within " + fetchTimeout.toMillis() + " ms";
    }
    if (cause instanceof ConnectException) {
      return "the connection was refused";
    }
    if (cause instanceof IllegalStateException) {
      return cause.getMessage();
    }
    return "the fetch failed (" + cause + ")";
  }

  private record KeySnapshot(Map<String, RSAKey> byKid, List<RSAKey> all, Instant fetchedAt) {
    RSAKey find(String kid) {
      if (kid == null) {
        return all.size() == 1 ? all.get(0) : null;
      }
      return byKid.get(kid);
    }

    String knownIds() {
      return String.join(", ", new TreeSet<>(byKid.keySet()));
    }
  }
}
