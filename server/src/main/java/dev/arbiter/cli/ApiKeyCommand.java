package dev.arbiter.cli;

import dev.arbiter.config.ArbiterConfig;
import dev.arbiter.config.ConfigLoader;
import dev.arbiter.db.Database;
import dev.arbiter.security.ApiKeyHasher;
import dev.arbiter.security.ApiKeyService;
import dev.arbiter.security.Pepper;
import dev.arbiter.security.jdbc.JdbcApiKeyRepository;
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

/**
 * {@code arbiter api-key create --tenant T --role R}: prints {@code ARBITER_API_KEY=ak_…}. Works
 * while a server runs: with embedded PostgreSQL it attaches to the server's database.
 */
@Command(
    name = "api-key",
    mixinStandardHelpOptions = true,
    description = "Manage API keys.",
    subcommands = {ApiKeyCommand.Create.class})
class ApiKeyCommand implements Runnable {
  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create an API key.")
  static class Create implements Callable<Integer> {
    @Option(names = "--tenant", required = true, description = "tenant key")
    String tenant;

    @Option(names = "--role", required = true, description = "admin, editor, viewer or decision")
    String role;

    @Option(names = "--name", description = "a name to recognise the key by")
    String name;

    @Override
    public Integer call() {
      CliSupport.quietLogging();
      ArbiterConfig config = CliSupport.config(Map.of(), System.err, ConfigLoader.Need.API_KEYS);
      if (config == null) {
        return ExitCodes.BAD_CONFIGURATION;
      }
      try (Database db = CliSupport.openMigrated(config)) {
        JdbcClient jdbc = JdbcClient.create(db.dataSource());
        Clock clock = Clock.systemUTC();
        TenantService tenants = new TenantService(new JdbcTenantRepository(jdbc), clock);
        Tenant t = tenants.find(tenant).orElse(null);
        if (t == null) {
          System.err.println(
              "arbiter api-key create: tenant '"
                  + tenant
                  + "' does not exist"
                  + " (create it with: arbiter tenant create "
                  + tenant
                  + ")");
          return ExitCodes.FAILURE;
        }
        ApiKeyService keys =
            new ApiKeyService(
                new JdbcApiKeyRepository(jdbc),
                new ApiKeyHasher(Pepper.resolve(config)),
                new dev.arbiter.audit.jdbc.JdbcAuditLog(
                    jdbc, tools.jackson.databind.json.JsonMapper.builder().build()),
                clock);
        ApiKeyService.Created created =
            keys.create(t, name == null ? role + " key (cli)" : name, role, "cli");
        System.out.println("ARBITER_API_KEY=" + created.key());
        System.err.println(
            "Created "
                + created.apiKey().role().wireName()
                + " key "
                + created.apiKey().id()
                + " for tenant "
                + t.key()
                + "; it is shown only once.");
        return ExitCodes.OK;
      } catch (ApiException e) {
        System.err.println("arbiter api-key create: " + e.getMessage());
        return ExitCodes.FAILURE;
      }
    }
  }
}
