package dev.arbiter.db;

import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.output.MigrateResult;

/** Flyway over {@code classpath:db/migration}: applied on start or by {@code arbiter migrate}. */
public final class Migrations {
  private final Flyway flyway;

  public Migrations(DataSource dataSource) {
    this.flyway =
        Flyway.configure()
            .dataSource(dataSource)
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
