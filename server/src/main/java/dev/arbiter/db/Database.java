package dev.arbiter.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.arbiter.config.ArbiterConfig;
import dev.arbiter.config.ArbiterConfig.DatabaseTarget;
import javax.sql.DataSource;

/**
 * The process's connection to PostgreSQL: the pool, and the embedded server when one is used.
 * Closing it closes the pool first, then stops an embedded server this process started.
 */
public final class Database implements AutoCloseable {
  private final EmbeddedDatabase embedded;
  private final HikariDataSource dataSource;
  private final String description;
  private final DatabaseTarget target;

  private Database(
      EmbeddedDatabase embedded,
      HikariDataSource dataSource,
      String description,
      DatabaseTarget target) {
    this.embedded = embedded;
    this.dataSource = dataSource;
    this.description = description;
    this.target = target;
  }

  /** Opens the configured database (embedded when {@code DATABASE_URL} is unset). */
  public static Database open(ArbiterConfig config, String poolName) {
    EmbeddedDatabase embedded = null;
    DatabaseTarget target;
    String description;
    if (config.database().isPresent()) {
      target = config.database().get();
      description = "external " + withoutQuery(target.jdbcUrl());
    } else {
      embedded = EmbeddedDatabase.open(config.dataDir());
      target = new DatabaseTarget(embedded.jdbcUrl(), embedded.user(), null);
      description = "embedded PostgreSQL on port " + embedded.port();
    }
    HikariConfig hc = new HikariConfig();
    hc.setPoolName(poolName);
    hc.setJdbcUrl(target.jdbcUrl());
    if (target.user() != null) {
      hc.setUsername(target.user());
    }
    if (target.password() != null) {
      hc.setPassword(target.password());
    }
    hc.setMaximumPoolSize(config.poolMax());
    hc.setMinimumIdle(Math.min(2, config.poolMax()));
    hc.setConnectionTimeout(config.poolTimeout().toMillis());
    // Hikari refuses a validation timeout under 250 ms, the least PG_POOL_TIMEOUT_MS allows
    hc.setValidationTimeout(Math.max(250, Math.min(1000, config.poolTimeout().toMillis() - 1)));
    // Start even when the database is down: health reports it and requests answer 503 until it
    // is back, instead of the process refusing to start and a supervisor looping.
    hc.setInitializationFailTimeout(-1);
    hc.addDataSourceProperty("connectTimeout", "2");
    hc.addDataSourceProperty("socketTimeout", "60");
    hc.addDataSourceProperty("ApplicationName", "arbiter");
    // JDBC batches of inserts (decision events, traces) go as multi-row INSERTs: one statement per
    // chunk instead of one executed per row, which is most of what the database spends on them.
    hc.addDataSourceProperty("reWriteBatchedInserts", "true");
    try {
      return new Database(embedded, new HikariDataSource(hc), description, target);
    } catch (RuntimeException e) {
      if (embedded != null) {
        embedded.close();
      }
      throw e;
    }
  }

  /** A JDBC URL without its query string, which may carry a password. */
  static String withoutQuery(String jdbcUrl) {
    int q = jdbcUrl.indexOf('?');
    return q < 0 ? jdbcUrl : jdbcUrl.substring(0, q);
  }

  /** Schema migrations for this database, on connections of their own. */
  public Migrations migrations() {
    return new Migrations(target);
  }

  /**
   * A new connection outside the pool, for work that holds one for its whole life (LISTEN). The
   * caller closes it.
   */
  public java.sql.Connection connectDirect() throws java.sql.SQLException {
    java.util.Properties props = new java.util.Properties();
    if (target.user() != null) {
      props.setProperty("user", target.user());
    }
    if (target.password() != null) {
      props.setProperty("password", target.password());
    }
    props.setProperty("connectTimeout", "2");
    props.setProperty("tcpKeepAlive", "true");
    // A read that gets no answer for this long fails: a connection dropped without a word (a
    // partition, a failover that moves the address) would otherwise block the listener's probe
    // until the kernel gives up retransmitting (about 15 minutes), while it still reports itself
    // listening and misses every change. getNotifications(ms) sets its own wait meanwhile.
    props.setProperty("socketTimeout", "10");
    props.setProperty("ApplicationName", "arbiter-listener");
    return java.sql.DriverManager.getConnection(target.jdbcUrl(), props);
  }

  public DataSource dataSource() {
    return dataSource;
  }

  public HikariDataSource pool() {
    return dataSource;
  }

  public String description() {
    return description;
  }

  public boolean embedded() {
    return embedded != null;
  }

  @Override
  public void close() {
    dataSource.close();
    if (embedded != null) {
      embedded.close();
    }
  }
}
