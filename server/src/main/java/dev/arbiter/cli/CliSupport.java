package dev.arbiter.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import dev.arbiter.config.ArbiterConfig;
import dev.arbiter.config.ConfigException;
import dev.arbiter.config.ConfigLoader;
import dev.arbiter.db.Database;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.LoggerFactory;

/** What every command shares: reading the configuration and opening the database. */
final class CliSupport {
  private CliSupport() {}

  /**
   * Loads the configuration from the environment plus command-line overrides, for a command that
   * needs {@code needs} ({@link ConfigLoader#loadFor}), or prints every problem to {@code err} and
   * returns null.
   */
  static ArbiterConfig config(
      Map<String, String> overrides, PrintStream err, ConfigLoader.Need... needs) {
    Map<String, String> env = new HashMap<>(System.getenv());
    env.putAll(overrides);
    try {
      return ConfigLoader.loadFor(env, needs);
    } catch (ConfigException e) {
      err.println("arbiter: the configuration has " + e.problems().size() + " problem(s):");
      for (String p : e.problems()) {
        err.println("  - " + p);
      }
      return null;
    }
  }

  /** Commands other than serve print results on stdout; keep library logging to warnings. */
  static void quietLogging() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
      ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.WARN);
    }
  }

  /** Opens the database for a one-off command, applying pending migrations when allowed. */
  static Database openMigrated(ArbiterConfig config) {
    Database db = Database.open(config, "arbiter-cli");
    if (config.migrateOnStart()) {
      db.migrations().deploy();
    }
    return db;
  }
}
