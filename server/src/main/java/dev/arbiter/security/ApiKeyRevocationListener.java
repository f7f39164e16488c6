package dev.arbiter.security;

import dev.arbiter.db.NotificationListener;
import dev.arbiter.ops.CheckResult;
import dev.arbiter.ops.HealthCheck;
import dev.arbiter.security.jdbc.JdbcApiKeyRepository;
import java.sql.Connection;
import java.time.Clock;
import java.util.concurrent.Callable;

/**
 * LISTENs for API key revocations made on any node and drops the revoked key from this node's cache
 * at once ({@link ApiKeyService#forget}). Revocations sent while it was not listening may have been
 * missed, so each time LISTEN (re)starts every cached key is looked up again ({@link
 * ApiKeyService#forgetAll}); while the connection is lost nothing is dropped (that would make a
 * database outage fail every authenticated request), and a revocation takes effect here within
 * {@link ApiKeyService#CACHE_TTL}. Reports itself as the health check {@code apiKeyListener}: down
 * while not listening, which {@code /api/health} shows as degraded but which does not take the node
 * out of {@code /api/ready} (keys still work; only revocations are slower).
 */
public final class ApiKeyRevocationListener implements HealthCheck, AutoCloseable {
  private final NotificationListener listener;

  public ApiKeyRevocationListener(
      Callable<Connection> connections, ApiKeyService keys, Clock clock) {
    this.listener =
        new NotificationListener(
            JdbcApiKeyRepository.CHANNEL,
            connections,
            keys::forget,
            keys::forgetAll,
            () -> {},
            clock);
  }

  @Override
  public String name() {
    return "apiKeyListener";
  }

  @Override
  public CheckResult check() {
    return listener.health(
        "API keys revoked on other nodes keep working here for up to "
            + ApiKeyService.CACHE_TTL.toSeconds()
            + " s (the key cache's lifetime)",
        false);
  }

  /** Whether LISTEN is active now. */
  public boolean listening() {
    return listener.listening();
  }

  @Override
  public void close() {
    listener.close();
  }
}
