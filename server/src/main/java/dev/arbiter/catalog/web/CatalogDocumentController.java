package dev.arbiter.catalog.web;

import dev.arbiter.catalog.CatalogDocument;
import dev.arbiter.catalog.CatalogService;
import dev.arbiter.security.Caller;
import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import dev.arbiter.shared.ApiException;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/catalog/export} and {@code POST /api/v1/catalog/import}: the whole catalog as
 * one JSON or YAML document, imported all-or-nothing, with a dry run.
 */
@RestController
class CatalogDocumentController {
  private static final MediaType YAML = MediaType.parseMediaType("application/yaml");
  private final CatalogService catalog;

  CatalogDocumentController(CatalogService catalog) {
    this.catalog = catalog;
  }

  @GetMapping("/api/v1/catalog/export")
  @Requires(Permission.READ)
  ResponseEntity<String> export(
      Caller caller, @RequestParam(required = false, defaultValue = "json") String format) {
    Map<String, Object> doc = catalog.export(caller.tenantId(), caller.tenantKey());
    boolean yaml = yaml(format);
    return ResponseEntity.ok()
        .contentType(yaml ? YAML : MediaType.APPLICATION_JSON)
        .header(
            HttpHeaders.CONTENT_DISPOSITION,
            "attachment; filename=\""
                + caller.tenantKey()
                + "-catalog."
                + (yaml ? "yaml" : "json")
                + "\"")
        .body(yaml ? CatalogDocument.toYaml(doc) : CatalogDocument.toJson(doc));
  }

  @PostMapping(
      path = "/api/v1/catalog/import",
      consumes = {"application/json", "application/yaml", "application/x-yaml", "text/yaml"})
  @Requires(Permission.WRITE_CATALOG)
  ResponseEntity<CatalogService.ImportResult> importDocument(
      Caller caller,
      @RequestHeader(HttpHeaders.CONTENT_TYPE) String contentType,
      @RequestParam(required = false, defaultValue = "false") boolean dryRun,
      @RequestParam(required = false, defaultValue = "merge") String mode,
      @RequestBody String text) {
    if (!mode.equals("merge") && !mode.equals("replace")) {
      throw ApiException.validation("mode", "must be merge or replace");
    }
    Map<String, Object> doc;
    try {
      doc = CatalogDocument.parse(text, contentType.toLowerCase(Locale.ROOT).contains("yaml"));
    } catch (IllegalArgumentException e) {
      throw ApiException.validation("document", e.getMessage());
    }
    CatalogService.ImportResult r =
        catalog.importDocument(
            caller.tenantId(), caller.credentialId(), doc, mode.equals("replace"), dryRun);
    return ResponseEntity.ok()
        .header("X-Catalog-Version", Long.toString(r.catalogVersion()))
        .body(r);
  }

  private static boolean yaml(String format) {
    return switch (format.toLowerCase(Locale.ROOT)) {
      case "yaml", "yml" -> true;
      case "json" -> false;
      default -> throw ApiException.validation("format", "must be json or yaml");
    };
  }
}
