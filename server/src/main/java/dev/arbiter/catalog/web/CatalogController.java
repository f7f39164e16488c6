package dev.arbiter.catalog.web;

import dev.arbiter.catalog.CatalogService;
import dev.arbiter.catalog.CatalogSnapshots;
import dev.arbiter.catalog.PublishedFlow;
import dev.arbiter.catalog.ResourceKind;
import dev.arbiter.security.Caller;
import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import dev.arbiter.shared.ApiException;
import dev.arbiter.shared.Page;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * CRUD for every catalog resource kind under {@code /api/v1/{kind}}, flow publishing and versions,
 * and the compiled catalog's status. Writes answer with {@code X-Catalog-Version}.
 */
@RestController
class CatalogController {
  private static final String KIND = "/api/v1/{kind:" + ResourceKind.PATHS + "}";
  private final CatalogService catalog;
  private final CatalogSnapshots snapshots;

  CatalogController(CatalogService catalog, CatalogSnapshots snapshots) {
    this.catalog = catalog;
    this.snapshots = snapshots;
  }

  @GetMapping(KIND)
  @Requires(Permission.READ)
  Page<Map<String, Object>> list(
      Caller caller,
      @PathVariable String kind,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    return catalog.list(caller.tenantId(), kind(kind), limit, cursor);
  }

  @PostMapping(KIND)
  @Requires(Permission.WRITE_CATALOG)
  ResponseEntity<Map<String, Object>> create(
      Caller caller,
      @PathVariable String kind,
      @RequestBody(required = false) Map<String, Object> body) {
    CatalogService.Written w =
        catalog.create(caller.tenantId(), caller.credentialId(), kind(kind), body);
    return ResponseEntity.status(201)
        .header("X-Catalog-Version", Long.toString(w.catalogVersion()))
        .body(w.resource().view());
  }

  @GetMapping(KIND + "/{key}")
  @Requires(Permission.READ)
  Map<String, Object> get(Caller caller, @PathVariable String kind, @PathVariable String key) {
    return catalog.get(caller.tenantId(), kind(kind), key).view();
  }

  @PutMapping(KIND + "/{key}")
  @Requires(Permission.WRITE_CATALOG)
  ResponseEntity<Map<String, Object>> update(
      Caller caller,
      @PathVariable String kind,
      @PathVariable String key,
      @RequestBody(required = false) Map<String, Object> body) {
    CatalogService.Written w =
        catalog.update(caller.tenantId(), caller.credentialId(), kind(kind), key, body);
    return ResponseEntity.ok()
        .header("X-Catalog-Version", Long.toString(w.catalogVersion()))
        .body(w.resource().view());
  }

  @DeleteMapping(KIND + "/{key}")
  @Requires(Permission.WRITE_CATALOG)
  ResponseEntity<Void> delete(Caller caller, @PathVariable String kind, @PathVariable String key) {
    CatalogService.Written w =
        catalog.delete(caller.tenantId(), caller.credentialId(), kind(kind), key);
    return ResponseEntity.noContent()
        .header("X-Catalog-Version", Long.toString(w.catalogVersion()))
        .build();
  }

  @PostMapping("/api/v1/flows/{key}/publish")
  @Requires(Permission.WRITE_CATALOG)
  ResponseEntity<CatalogService.Published> publish(Caller caller, @PathVariable String key) {
    CatalogService.Published p = catalog.publish(caller.tenantId(), caller.credentialId(), key);
    return ResponseEntity.ok()
        .header("X-Catalog-Version", Long.toString(p.catalogVersion()))
        .body(p);
  }

  @GetMapping("/api/v1/flows/{key}/versions")
  @Requires(Permission.READ)
  Page<Map<String, Object>> versions(
      Caller caller,
      @PathVariable String key,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    return catalog.flowVersions(caller.tenantId(), key, limit, cursor).map(CatalogController::view);
  }

  @GetMapping("/api/v1/flows/{key}/versions/{version}")
  @Requires(Permission.READ)
  Map<String, Object> version(Caller caller, @PathVariable String key, @PathVariable int version) {
    return view(catalog.flowVersion(caller.tenantId(), key, version));
  }

  /** The compiled catalog this node decides with. */
  @GetMapping("/api/v1/catalog")
  @Requires(Permission.READ)
  Map<String, Object> status(Caller caller) {
    CatalogSnapshots.Compiled c = snapshots.current(caller.tenantId());
    Map<String, Object> counts = new LinkedHashMap<>();
    counts.put("offers", c.snapshot().offers().size());
    counts.put("qualificationRules", c.snapshot().rules().size());
    counts.put("contactPolicies", c.snapshot().policies().size());
    counts.put("models", c.snapshot().models().size());
    counts.put("publishedFlows", c.snapshot().flows().size());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("catalogVersion", c.catalogVersion());
    body.put("builtAt", c.builtAt().toString());
    body.put("counts", counts);
    return body;
  }

  private static Map<String, Object> view(PublishedFlow f) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("flowKey", f.flowKey());
    v.put("version", f.version());
    v.put("publishedAt", f.publishedAt().toString());
    v.put("publishedBy", f.publishedBy());
    v.put("definition", f.body());
    return v;
  }

  private static ResourceKind kind(String path) {
    return ResourceKind.fromPath(path)
        .orElseThrow(() -> ApiException.notFound("Resource kind '" + path + "'"));
  }
}
