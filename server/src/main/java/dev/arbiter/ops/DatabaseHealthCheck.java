package dev.arbiter.ops;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.sql.Connection;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PostgreSQL: a {@code select 1} through the pool, with the pool's sizes. {@code down} when no
 * connection works; {@code degraded} when every connection of the pool is in use and none frees up
 * in time (the database answers, the node is saturated), which keeps {@code /api/health} at 200 and
 * takes the node out of {@code /api/ready}.
 */
public class DatabaseHealthCheck implements HealthCheck {
  private final HikariDataSource pool;
  private final String description;

  public DatabaseHealthCheck(HikariDataSource pool, String description) {
    this.pool = pool;
    this.description = description;
  }

  @Override
  public String name() {
    return "database";
  }

  @Override
  public CheckResult check() {
    long start = System.nanoTime();
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("target", description);
    String status;
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.setQueryTimeout(1);
      s.execute("select 1");
      status = CheckResult.UP;
    } catch (Exception e) {
      if (e instanceof java.sql.SQLTransientConnectionException
          && pool.getHikariPoolMXBean() != null
          && pool.getHikariPoolMXBean().getActiveConnections() >= pool.getMaximumPoolSize()) {
        // every connection is in use, so the database answers them: the node is saturated (more
        // requests than PG_POOL_MAX connections serve), not cut off from its database
        status = CheckResult.DEGRADED;
        details.put(
            "error",
            "pool exhausted: all "
                + pool.getMaximumPoolSize()
                + " connections in use, none free within PG_POOL_TIMEOUT_MS");
      } else {
        status = CheckResult.DOWN;
        details.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
      }
    }
    HikariPoolMXBean mx = pool.getHikariPoolMXBean();
    Map<String, Object> poolDetails = new LinkedHashMap<>();
    poolDetails.put("max", pool.getMaximumPoolSize());
    if (mx != null) {
      poolDetails.put("inUse", mx.getActiveConnections());
      poolDetails.put("idle", mx.getIdleConnections());
      poolDetails.put("waiting", mx.getThreadsAwaitingConnection());
    }
    details.put("pool", poolDetails);
    return new CheckResult(status, (System.nanoTime() - start) / 1_000_000, details, true);
  }
}
