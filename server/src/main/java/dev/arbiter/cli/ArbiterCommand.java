package dev.arbiter.cli;

import picocli.CommandLine.Command;

/** {@code arbiter}: the top-level command. */
@Command(
    name = "arbiter",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "Arbiter: real-time next-best-action decisioning.",
    subcommands = {
      ServeCommand.class,
      OutboxPublisherCommand.class,
      MigrateCommand.class,
      ApiKeyCommand.class,
      TenantCommand.class,
      ValidateCommand.class,
      DoctorCommand.class,
      VersionCommand.class
    })
public class ArbiterCommand implements Runnable {
  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }
}
