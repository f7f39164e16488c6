package dev.arbiter.cli;

import dev.arbiter.catalog.CatalogDefinitions;
import dev.arbiter.catalog.CatalogDocument;
import dev.arbiter.catalog.CatalogResource;
import dev.arbiter.catalog.PublishedFlow;
import dev.arbiter.catalog.ResourceKind;
import dev.arbiter.config.ConfigException;
import dev.arbiter.config.ConfigLoader;
import dev.arbiter.shared.FieldError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code arbiter validate FILE}: checks a catalog document (JSON or YAML, as exported) offline with
 * the engine — no server, no database — and prints every problem with its path, contact policies
 * against the contact history of the environment ({@code ARBITER_CONTACT_HORIZON}, default 90 days;
 * {@code ARBITER_CONTACT_MAX_EVENTS}, default 500) as a server would. Exit 0 when valid, 1 when
 * not, 2 when those variables are malformed.
 */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = "Check a catalog document (JSON or YAML) offline and print every problem.")
class ValidateCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "FILE",
      description = "catalog document (.json, .yaml, .yml)")
  Path file;

  @Override
  public Integer call() {
    CliSupport.quietLogging();
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      System.err.println("arbiter validate: cannot read " + file + ": " + e.getMessage());
      return ExitCodes.FAILURE;
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
    Map<String, Object> doc;
    try {
      doc = CatalogDocument.parse(text, yaml);
    } catch (IllegalArgumentException e) {
      System.out.println(file + ": " + e.getMessage());
      return ExitCodes.FAILURE;
    }
    Instant now = Instant.now();
    CatalogDocument.Read read = CatalogDocument.read(doc, now);
    List<FieldError> problems = new ArrayList<>(read.problems());
    CatalogDefinitions definitions;
    try {
      // policies are checked against the horizon the servers run with
      ConfigLoader.CatalogChecks checks = ConfigLoader.catalogChecks(System.getenv());
      definitions = new CatalogDefinitions(checks.contactHistory(), checks.externalModelUrls());
    } catch (ConfigException e) {
      System.err.println(
          "arbiter validate: the configuration has " + e.problems().size() + " problem(s):");
      e.problems().forEach(p -> System.err.println("  - " + p));
      return ExitCodes.BAD_CONFIGURATION;
    }
    // Offline, every flow in the document counts as published, as it would be once published.
    List<PublishedFlow> flows = new ArrayList<>();
    for (CatalogResource r : read.resources()) {
      if (r.kind() == ResourceKind.FLOW) {
        flows.add(new PublishedFlow(r.id(), r.key(), 1, r.body(), now, "validate"));
      }
    }
    CatalogDefinitions.Catalog catalog = definitions.catalog("offline", 0, read.resources(), flows);
    problems.addAll(catalog.problems());
    problems.addAll(definitions.beyondHistory(catalog.definition()));
    problems.addAll(definitions.notAllowed(catalog.definition()));
    if (!problems.isEmpty()) {
      for (FieldError p : problems) {
        System.out.println(p.field() + ": " + p.message());
      }
      System.out.println(file + ": " + problems.size() + " problem(s)");
      return ExitCodes.FAILURE;
    }
    StringBuilder summary = new StringBuilder(file + ": valid (");
    for (ResourceKind kind : ResourceKind.values()) {
      long n = read.resources().stream().filter(r -> r.kind() == kind).count();
      summary
          .append(n)
          .append(' ')
          .append(kind.documentField())
          .append(kind == ResourceKind.FLOW ? ")" : ", ");
    }
    System.out.println(summary);
    return ExitCodes.OK;
  }
}
