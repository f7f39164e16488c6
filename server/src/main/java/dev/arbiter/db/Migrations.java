package dev.arbiter.db;

import dev.arbiter.config.ArbiterConfig.DatabaseTarget;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Flyway over {@code classpath:db/migration}: applied on start or by {@code arbiter migrate}. It
 * opens its own connections rather than borrowing from the request pool, which may be as small as
 * one connection while Flyway needs two (one holds the migration lock).
 */
public final class Migrations {
  private final Flyway flyway;

  public Migrations(DatabaseTarget target) {
    this.flyway =
        Flyway.configure()
            .dataSource(target.jdbcUrl(), target.user(), target.password())
            .locations("classpath:db/migration")
            .validateOnMigrate(true)
            .cleanDisabled(true)
            .load();
  }

  /** Applies pending migrations; returns how many ran. */
  public int deploy() {
    MigrateResult result = flyway.migrate();
    return result.migrationsExecuted;
  }

  /** One line per known migration: version, description, state. */
  public List<String> status() {
    List<String> lines = new ArrayList<>();
    for (MigrationInfo info : flyway.info().all()) {
      lines.add(
          String.format(
              "%-6s %-40s %-10s %s",
              info.getVersion(),
              info.getDescription(),
              info.getState().getDisplayName(),
              info.getInstalledOn() == null ? "" : info.getInstalledOn().toInstant()));
    }
    return lines;
  }

  /** Number of migrations not yet applied. */
  public int pendingCount() {
    return flyway.info().pending().length;
  }
}
