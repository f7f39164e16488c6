package dev.arbiter.cli;

import dev.arbiter.config.ArbiterConfig;
import dev.arbiter.db.Database;
import dev.arbiter.db.Migrations;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code arbiter migrate status|deploy}: schema migrations by hand. */
@Command(
    name = "migrate",
    mixinStandardHelpOptions = true,
    description = "Show (status) or apply (deploy) database migrations.")
class MigrateCommand implements Callable<Integer> {
  enum Action {
    status,
    deploy
  }

  @Parameters(index = "0", description = "status or deploy")
  Action action;

  @Override
  public Integer call() {
    CliSupport.quietLogging();
    ArbiterConfig config = CliSupport.config(Map.of(), System.err);
    if (config == null) {
      return ExitCodes.BAD_CONFIGURATION;
    }
    try (Database db = Database.open(config, "arbiter-migrate")) {
      Migrations migrations = db.migrations();
      if (action == Action.deploy) {
        int ran = migrations.deploy();
        System.out.println("Applied " + ran + " migration(s).");
      }
      migrations.status().forEach(System.out::println);
      System.out.println("Pending: " + migrations.pendingCount());
      return ExitCodes.OK;
    } catch (RuntimeException e) {
      System.err.println("arbiter migrate: " + e.getMessage());
      return ExitCodes.FAILURE;
    }
  }
}
