package dev.arbiter.cli;

import dev.arbiter.config.ArbiterConfig;
import dev.arbiter.db.Database;
import dev.arbiter.shared.ApiException;
import dev.arbiter.tenant.Tenant;
import dev.arbiter.tenant.TenantService;
import dev.arbiter.tenant.jdbc.JdbcTenantRepository;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import org.springframework.jdbc.core.simple.JdbcClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code arbiter tenant create KEY}. */
@Command(
    name = "tenant",
    mixinStandardHelpOptions = true,
    description = "Manage tenants.",
    subcommands = {TenantCommand.Create.class})
class TenantCommand implements Runnable {
  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a tenant.")
  static class Create implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "KEY", description = "tenant key (a-z, 0-9, - and _)")
    String key;

    @Option(names = "--name", description = "display name (defaults to the key)")
    String name;

    @Override
    public Integer call() {
      CliSupport.quietLogging();
      ArbiterConfig config = CliSupport.config(Map.of(), System.err);
      if (config == null) {
        return ExitCodes.BAD_CONFIGURATION;
      }
      try (Database db = CliSupport.openMigrated(config)) {
        TenantService tenants =
            new TenantService(
                new JdbcTenantRepository(JdbcClient.create(db.dataSource())), Clock.systemUTC());
        Tenant t = tenants.create(key, name);
        System.out.println("Created tenant " + t.key() + " (" + t.id() + ")");
        return ExitCodes.OK;
      } catch (ApiException e) {
        System.err.println("arbiter tenant create: " + e.getMessage());
        e.errors().forEach(f -> System.err.println("  - " + f.field() + ": " + f.message()));
        return ExitCodes.FAILURE;
      }
    }
  }
}
