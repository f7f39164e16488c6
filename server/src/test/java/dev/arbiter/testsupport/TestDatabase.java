package dev.arbiter.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * The PostgreSQL tests run against: {@code TEST_DATABASE_URL} (a {@code jdbc:postgresql:} URL whose
 * user may create databases) when set, else one embedded PostgreSQL per test JVM. Each call to
 * {@link #newDatabase()} creates an empty database, so test classes never see each other's rows.
 */
public final class TestDatabase {
  private static String adminUrl;
  private static String user;
  private static String password;

  private TestDatabase() {}

  private static synchronized void init() {
    if (adminUrl != null) {
      return;
    }
    String external = System.getenv("TEST_DATABASE_URL");
    if (external != null && !external.isBlank()) {
      var target = dev.arbiter.db.DatabaseUrls.parse(external);
      adminUrl = target.jdbcUrl();
      user = target.user();
      password = target.password();
      return;
    }
    try {
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder()
              .setServerConfig("max_connections", "400")
              .setServerConfig("fsync", "off")
              .setServerConfig("synchronous_commit", "off")
              .setOutputRedirector(ProcessBuilder.Redirect.DISCARD)
              .setErrorRedirector(ProcessBuilder.Redirect.DISCARD)
              .start();
      adminUrl = pg.getJdbcUrl("postgres", "postgres");
      user = "postgres";
      Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(pg)));
    } catch (IOException e) {
      throw new UncheckedIOException("Could not start embedded PostgreSQL for tests", e);
    }
  }

  /** A new empty database; returns its JDBC URL with credentials as URL parameters. */
  public static String newDatabase() {
    init();
    String name = "t_" + UUID.randomUUID().toString().replace("-", "").toLowerCase(Locale.ROOT);
    try (Connection c = DriverManager.getConnection(adminUrl, user, password);
        Statement s = c.createStatement()) {
      s.execute("create database " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("Could not create test database: " + e.getMessage(), e);
    }
    int slash = adminUrl.lastIndexOf('/');
    int query = adminUrl.indexOf('?', slash);
    String url =
        adminUrl.substring(0, slash + 1) + name + (query < 0 ? "" : adminUrl.substring(query));
    if (!url.contains("user=") && user != null) {
      url += (url.contains("?") ? "&" : "?") + "user=" + user;
      if (password != null) {
        url += "&password=" + password;
      }
    }
    return url;
  }

  /** As {@link #newDatabase()}, with every Flyway migration applied. */
  public static String newMigratedDatabase() {
    String url = newDatabase();
    org.flywaydb.core.Flyway.configure()
        .dataSource(url, null, null)
        .locations("classpath:db/migration")
        .load()
        .migrate();
    return url;
  }

  public static String user() {
    init();
    return user;
  }

  public static String password() {
    init();
    return password;
  }

  private static void closeQuietly(EmbeddedPostgres pg) {
    try {
      pg.close();
    } catch (IOException e) {
      // the JVM is exiting
    }
  }
}
