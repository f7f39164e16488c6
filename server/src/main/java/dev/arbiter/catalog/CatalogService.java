package dev.arbiter.catalog;

import dev.arbiter.audit.AuditEntry;
import dev.arbiter.audit.AuditLog;
import dev.arbiter.engine.catalog.CatalogBuilder;
import dev.arbiter.engine.catalog.ModelDefinition;
import dev.arbiter.engine.scoring.NaiveBayesModel;
import dev.arbiter.engine.scoring.ScoringModel;
import dev.arbiter.shared.ApiException;
import dev.arbiter.shared.FieldError;
import dev.arbiter.shared.Ids;
import dev.arbiter.shared.Page;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Creates, reads, changes, deletes and publishes catalog resources. Every write runs in one
 * transaction that locks the tenant's catalog, checks the resulting catalog with the engine (both
 * as edited and as decisions will use it, with published flows), writes, audits, and bumps the
 * catalog version — so a stored catalog always compiles and every node hears of the change.
 */
public class CatalogService {
  static final Pattern KEY = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$");

  private final CatalogRepository catalog;
  private final AuditLog audit;
  private final CatalogDefinitions definitions;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final CatalogSnapshots snapshots;

  public CatalogService(
      CatalogRepository catalog,
      AuditLog audit,
      CatalogDefinitions definitions,
      TransactionTemplate tx,
      Clock clock,
      CatalogSnapshots snapshots) {
    this.catalog = catalog;
    this.audit = audit;
    this.definitions = definitions;
    this.tx = tx;
    this.clock = clock;
    this.snapshots = snapshots;
  }

  /** A write's result: the resource as stored (null after a delete) and the new catalog version. */
  public record Written(CatalogResource resource, long catalogVersion) {}

  /** A publish's result. */
  public record Published(String flowKey, int version, Instant publishedAt, long catalogVersion) {}

  public Page<Map<String, Object>> list(
      String tenantId, ResourceKind kind, Integer limit, String cursor) {
    int n = Page.limit(limit);
    return Page.of(catalog.list(tenantId, kind, Page.after(cursor), n + 1), n, CatalogResource::key)
        .map(CatalogResource::view);
  }

  public CatalogResource get(String tenantId, ResourceKind kind, String key) {
    return catalog.find(tenantId, kind, key).orElseThrow(() -> notFound(kind, key));
  }

  public Written create(
      String tenantId, String actor, ResourceKind kind, Map<String, Object> body) {
    Object rawKey = body == null ? null : body.get("key");
    List<FieldError> errors = new ArrayList<>();
    if (body == null) {
      throw ApiException.validation("body", "is required");
    }
    if (!(rawKey instanceof String key) || !KEY.matcher(key).matches()) {
      errors.add(
          new FieldError("key", "is required: 1-128 characters of A-Z, a-z, 0-9, '.', '_' or '-'"));
      throw ApiException.validation(errors);
    }
    Map<String, Object> clean = withoutManaged(body);
    return write(
        tenantId,
        () -> {
          List<CatalogResource> all = catalog.all(tenantId);
          if (all.stream().anyMatch(r -> r.kind() == kind && r.key().equals(key))) {
            throw ApiException.duplicateKey(capital(kind.label()) + " '" + key + "'");
          }
          Instant now = now();
          CatalogResource created =
              new CatalogResource(Ids.newId(), kind, key, clean, 1, now, now, null);
          checkOne(kind, created);
          List<CatalogResource> after = new ArrayList<>(all);
          after.add(created);
          checkWhole(tenantId, after, catalog.latestPublishedFlows(tenantId), kind, key, 422);
          catalog.insert(tenantId, created, actor);
          record(tenantId, actor, "create", created, null, created.view());
          return created;
        });
  }

  public Written update(
      String tenantId, String actor, ResourceKind kind, String key, Map<String, Object> body) {
    if (body == null) {
      throw ApiException.validation("body", "is required");
    }
    long expected = ApiException.rowVersion(body);
    Object bodyKey = body.get("key");
    if (bodyKey != null && !key.equals(bodyKey)) {
      throw ApiException.validation(
          "key", "cannot change: it is '" + key + "' (create a new resource instead)");
    }
    Map<String, Object> clean = withoutManaged(body);
    return write(
        tenantId,
        () -> {
          List<CatalogResource> all = catalog.all(tenantId);
          CatalogResource existing = existing(all, kind, key);
          if (existing.rowVersion() != expected) {
            throw staleRowVersion(kind, key, expected, existing.rowVersion());
          }
          Instant now = now();
          CatalogResource updated = existing.withBody(clean, existing.rowVersion() + 1, now);
          checkOne(kind, updated);
          List<CatalogResource> after = replace(all, updated);
          checkWhole(tenantId, after, catalog.latestPublishedFlows(tenantId), kind, key, 422);
          if (!catalog.update(tenantId, updated, expected, actor, now)) {
            throw staleRowVersion(kind, key, expected, existing.rowVersion());
          }
          forgetStaleEvidence(tenantId, existing, updated);
          record(tenantId, actor, "update", updated, existing.view(), updated.view());
          return updated;
        });
  }

  public Written delete(String tenantId, String actor, ResourceKind kind, String key) {
    return write(
        tenantId,
        () -> {
          List<CatalogResource> all = catalog.all(tenantId);
          CatalogResource existing = existing(all, kind, key);
          List<CatalogResource> after = new ArrayList<>(all);
          after.remove(existing);
          List<PublishedFlow> published =
              catalog.latestPublishedFlows(tenantId).stream()
                  .filter(f -> !(kind == ResourceKind.FLOW && f.flowKey().equals(key)))
                  .toList();
          checkWhole(tenantId, after, published, kind, key, 409);
          catalog.delete(tenantId, kind, key);
          record(tenantId, actor, "delete", existing, existing.view(), null);
          return null;
        });
  }

  /**
   * Deletes, with a model's change, the learned evidence its new definition cannot use: evidence is
   * keyed by the model's key and, for naive Bayes, by predictor name and bin index, so a model
   * whose type changed would otherwise start from another type's counts, and a predictor that bins
   * otherwise from counts of bins that meant something else. "Bins otherwise" is the engine's
   * {@link NaiveBayesModel.Predictor#binning()}, the fingerprint a decision records and Respond
   * checks, so the counts deleted here are those whose late outcomes Respond skips.
   */
  private void forgetStaleEvidence(String tenantId, CatalogResource before, CatalogResource after) {
    if (before.kind() != ResourceKind.MODEL) {
      return;
    }
    ScoringModel was = compiled(before);
    ScoringModel is = compiled(after);
    if (was == null || is == null || !was.type().equals(is.type())) {
      catalog.forgetModelEvidence(tenantId, before.key(), null);
    } else if (was instanceof NaiveBayesModel a && is instanceof NaiveBayesModel b) {
      Set<String> stale = new TreeSet<>();
      a.binning()
          .forEach(
              (name, binning) -> {
                if (!binning.equals(b.binning().get(name))) {
                  stale.add(name);
                }
              });
      catalog.forgetModelEvidence(tenantId, before.key(), stale);
    }
  }

  /** A stored model resource as the engine runs it; null if it does not compile on its own. */
  private ScoringModel compiled(CatalogResource model) {
    CatalogDefinitions.Converted c =
        definitions.convert(ResourceKind.MODEL, model.id(), model.key(), model.body(), 1);
    return c.valid() ? CatalogBuilder.model((ModelDefinition) c.definition()) : null;
  }

  /** Freezes the flow's current definition as its next version; decisions use it from now on. */
  public Published publish(String tenantId, String actor, String flowKey) {
    Instant now = now();
    int[] version = new int[1];
    Written w =
        write(
            tenantId,
            () -> {
              List<CatalogResource> all = catalog.all(tenantId);
              CatalogResource flow = existing(all, ResourceKind.FLOW, flowKey);
              int next = flow.publishedVersion() == null ? 1 : flow.publishedVersion() + 1;
              PublishedFlow frozen =
                  new PublishedFlow(flow.id(), flowKey, next, flow.body(), now, actor);
              List<PublishedFlow> published = new ArrayList<>();
              for (PublishedFlow f : catalog.latestPublishedFlows(tenantId)) {
                if (!f.flowKey().equals(flowKey)) {
                  published.add(f);
                }
              }
              published.add(frozen);
              checkWhole(tenantId, all, published, ResourceKind.FLOW, flowKey, 422);
              catalog.insertFlowVersion(tenantId, frozen);
              Map<String, Object> after = new LinkedHashMap<>(flow.view());
              after.put("publishedVersion", next);
              record(tenantId, actor, "publish", flow, flow.view(), after);
              version[0] = next;
              return flow;
            });
    return new Published(flowKey, version[0], now, w.catalogVersion());
  }

  /**
   * One page of a flow's published versions, newest first; the cursor is the last version's number.
   *
   * @throws ApiException 404 when the flow does not exist, 422 for a bad limit or cursor
   */
  public Page<PublishedFlow> flowVersions(
      String tenantId, String flowKey, Integer limit, String cursor) {
    int n = Page.limit(limit);
    Integer before = versionCursor(Page.after(cursor));
    get(tenantId, ResourceKind.FLOW, flowKey);
    return Page.of(
        catalog.flowVersions(tenantId, flowKey, before, n + 1),
        n,
        f -> Integer.toString(f.version()));
  }

  private static Integer versionCursor(String after) {
    if (after == null) {
      return null;
    }
    try {
      return Integer.valueOf(after);
    } catch (NumberFormatException e) {
      throw ApiException.validation("cursor", "is not a cursor this API returned");
    }
  }

  public PublishedFlow flowVersion(String tenantId, String flowKey, int version) {
    get(tenantId, ResourceKind.FLOW, flowKey);
    return catalog
        .flowVersion(tenantId, flowKey, version)
        .orElseThrow(
            () -> ApiException.notFound("Version " + version + " of flow '" + flowKey + "'"));
  }

  /** Runs {@code change} in a transaction holding the tenant's catalog lock, then bumps. */
  private Written write(String tenantId, Supplier<CatalogResource> change) {
    Written w =
        tx.execute(
            status -> {
              catalog.lockCatalog(tenantId);
              CatalogResource r = change.get();
              return new Written(r, catalog.bumpCatalogVersion(tenantId));
            });
    // Every node learns through NOTIFY; this node need not wait for its own echo.
    snapshots.announce(tenantId, w.catalogVersion());
    return w;
  }

  private void checkOne(ResourceKind kind, CatalogResource r) {
    CatalogDefinitions.Converted c = definitions.convert(kind, r.id(), r.key(), r.body(), 1);
    if (!c.valid()) {
      throw ApiException.validation(c.errors());
    }
    List<FieldError> errors = definitions.validateOne(kind, c.definition());
    if (!errors.isEmpty()) {
      throw ApiException.validation(errors);
    }
  }

  /**
   * Checks the catalog after a change both as edited (draft flows) and as decisions use it
   * (published flows). Problems of the changed resource get paths relative to it.
   */
  private void checkWhole(
      String tenantId,
      List<CatalogResource> resources,
      List<PublishedFlow> published,
      ResourceKind kind,
      String key,
      int status) {
    List<FieldError> problems = wholeProblems(tenantId, resources, published);
    if (problems.isEmpty()) {
      return;
    }
    String own = kind.documentField() + "[" + key + "].";
    List<FieldError> errors =
        problems.stream()
            .map(
                p ->
                    p.field().startsWith(own)
                        ? new FieldError(p.field().substring(own.length()), p.message())
                        : p)
            .toList();
    if (status == 409) {
      throw new ApiException(
          409,
          "RESOURCE_IN_USE",
          "Resource in use",
          capital(kind.label()) + " '" + key + "' is still referenced; remove the references first",
          errors);
    }
    throw ApiException.validation(errors);
  }

  /**
   * Problems of the catalog as edited (draft flows) and as decisions use it (published flows),
   * without duplicates.
   */
  private List<FieldError> wholeProblems(
      String tenantId, List<CatalogResource> resources, List<PublishedFlow> published) {
    LinkedHashSet<FieldError> problems = new LinkedHashSet<>();
    problems.addAll(definitions.catalog(tenantId, 0, resources, null).problems());
    problems.addAll(definitions.catalog(tenantId, 0, resources, published).problems());
    return List.copyOf(problems);
  }

  /** What an import did or would do. */
  public record ImportResult(
      boolean dryRun,
      String mode,
      boolean valid,
      long catalogVersion,
      List<String> created,
      List<String> updated,
      List<String> unchanged,
      List<String> deleted,
      List<FieldError> errors) {}

  private record Plan(
      List<CatalogResource> after,
      List<CatalogResource> created,
      List<CatalogResource[]> updated,
      List<CatalogResource> unchanged,
      List<CatalogResource> deleted,
      List<FieldError> errors) {}

  /**
   * Imports a catalog document: resources are matched by kind and key, created or updated; with
   * {@code replace}, resources the document lacks are deleted. All or nothing: the whole resulting
   * catalog must compile. A dry run reports the same without writing.
   *
   * @throws ApiException 422 when the document or the resulting catalog is invalid (not on a dry
   *     run, which reports {@code valid: false} instead)
   */
  public ImportResult importDocument(
      String tenantId, String actor, Map<String, Object> doc, boolean replace, boolean dryRun) {
    Instant now = now();
    CatalogDocument.Read read = CatalogDocument.read(doc, now);
    String mode = replace ? "replace" : "merge";
    if (dryRun) {
      return tx.execute(
          s -> {
            Plan p = plan(tenantId, read, replace, now);
            return result(true, mode, p, catalog.catalogVersion(tenantId));
          });
    }
    ImportResult r =
        tx.execute(
            s -> {
              catalog.lockCatalog(tenantId);
              Plan p = plan(tenantId, read, replace, now);
              if (!p.errors().isEmpty()) {
                throw ApiException.validation(p.errors());
              }
              for (CatalogResource c : p.created()) {
                catalog.insert(tenantId, c, actor);
                record(tenantId, actor, "import", c, null, c.view());
              }
              for (CatalogResource[] u : p.updated()) {
                if (!catalog.update(tenantId, u[1], u[0].rowVersion(), actor, now)) {
                  throw staleRowVersion(u[0].kind(), u[0].key(), u[0].rowVersion(), -1);
                }
                forgetStaleEvidence(tenantId, u[0], u[1]);
                record(tenantId, actor, "import", u[1], u[0].view(), u[1].view());
              }
              for (CatalogResource d : p.deleted()) {
                catalog.delete(tenantId, d.kind(), d.key());
                record(tenantId, actor, "import", d, d.view(), null);
              }
              boolean changed =
                  !p.created().isEmpty() || !p.updated().isEmpty() || !p.deleted().isEmpty();
              long version =
                  changed ? catalog.bumpCatalogVersion(tenantId) : catalog.catalogVersion(tenantId);
              return result(false, mode, p, version);
            });
    snapshots.announce(tenantId, r.catalogVersion());
    return r;
  }

  private Plan plan(String tenantId, CatalogDocument.Read read, boolean replace, Instant now) {
    List<FieldError> errors = new ArrayList<>(read.problems());
    List<CatalogResource> current = catalog.all(tenantId);
    Map<String, CatalogResource> byId = new LinkedHashMap<>();
    for (CatalogResource r : current) {
      byId.put(r.kind().stored() + "/" + r.key(), r);
    }
    List<CatalogResource> after = new ArrayList<>();
    List<CatalogResource> created = new ArrayList<>();
    List<CatalogResource[]> updated = new ArrayList<>();
    List<CatalogResource> unchanged = new ArrayList<>();
    java.util.Set<String> inDocument = new java.util.HashSet<>();
    for (CatalogResource incoming : read.resources()) {
      String id = incoming.kind().stored() + "/" + incoming.key();
      inDocument.add(id);
      String prefix = incoming.kind().documentField() + "[" + incoming.key() + "].";
      CatalogDefinitions.Converted c =
          definitions.convert(incoming.kind(), incoming.id(), incoming.key(), incoming.body(), 1);
      CatalogResource existing = byId.get(id);
      // a resource the import leaves as stored is not held to limits set after it was stored (a
      // re-import of an export must not fail on them)
      boolean kept = existing != null && sameBody(existing.body(), incoming.body());
      List<FieldError> own =
          c.valid() ? definitions.validateOne(incoming.kind(), c.definition(), !kept) : c.errors();
      for (FieldError e : own) {
        errors.add(new FieldError(prefix + e.field(), e.message()));
      }
      if (existing == null) {
        CatalogResource fresh =
            new CatalogResource(
                Ids.newId(), incoming.kind(), incoming.key(), incoming.body(), 1, now, now, null);
        created.add(fresh);
        after.add(fresh);
      } else if (sameBody(existing.body(), incoming.body())) {
        unchanged.add(existing);
        after.add(existing);
      } else {
        CatalogResource next = existing.withBody(incoming.body(), existing.rowVersion() + 1, now);
        updated.add(new CatalogResource[] {existing, next});
        after.add(next);
      }
    }
    List<CatalogResource> deleted = new ArrayList<>();
    for (CatalogResource r : current) {
      if (!inDocument.contains(r.kind().stored() + "/" + r.key())) {
        if (replace) {
          deleted.add(r);
        } else {
          after.add(r);
        }
      }
    }
    if (errors.isEmpty()) {
      java.util.Set<String> liveFlows = new java.util.HashSet<>();
      for (CatalogResource r : after) {
        if (r.kind() == ResourceKind.FLOW) {
          liveFlows.add(r.key());
        }
      }
      List<PublishedFlow> published =
          catalog.latestPublishedFlows(tenantId).stream()
              .filter(f -> liveFlows.contains(f.flowKey()))
              .toList();
      errors.addAll(wholeProblems(tenantId, after, published));
    }
    return new Plan(after, created, updated, unchanged, deleted, errors);
  }

  private static boolean sameBody(Map<String, Object> a, Map<String, Object> b) {
    return BODY_JSON.valueToTree(a).equals(BODY_JSON.valueToTree(b));
  }

  private static final tools.jackson.databind.json.JsonMapper BODY_JSON =
      tools.jackson.databind.json.JsonMapper.builder().build();

  private static ImportResult result(boolean dryRun, String mode, Plan p, long version) {
    return new ImportResult(
        dryRun,
        mode,
        p.errors().isEmpty(),
        version,
        p.created().stream().map(CatalogService::ref).toList(),
        p.updated().stream().map(u -> ref(u[1])).toList(),
        p.unchanged().stream().map(CatalogService::ref).toList(),
        p.deleted().stream().map(CatalogService::ref).toList(),
        p.errors());
  }

  private static String ref(CatalogResource r) {
    return r.kind().path() + "/" + r.key();
  }

  /** The tenant's catalog as one document. */
  public Map<String, Object> export(String tenantId, String tenantKey) {
    return tx.execute(
        s ->
            CatalogDocument.export(
                tenantKey, catalog.catalogVersion(tenantId), now(), catalog.all(tenantId)));
  }

  private void record(
      String tenantId,
      String actor,
      String action,
      CatalogResource r,
      Map<String, Object> before,
      Map<String, Object> after) {
    audit.record(
        tenantId,
        AuditEntry.of(now(), actor, action, r.kind().stored(), r.key(), r.id(), before, after));
  }

  /** The resource of {@code kind} and {@code key} in {@code all}, or 404. */
  private static CatalogResource existing(
      List<CatalogResource> all, ResourceKind kind, String key) {
    for (CatalogResource r : all) {
      if (r.kind() == kind && r.key().equals(key)) {
        return r;
      }
    }
    throw notFound(kind, key);
  }

  private static List<CatalogResource> replace(List<CatalogResource> all, CatalogResource updated) {
    List<CatalogResource> out = new ArrayList<>(all.size());
    for (CatalogResource r : all) {
      out.add(r.kind() == updated.kind() && r.key().equals(updated.key()) ? updated : r);
    }
    return out;
  }

  static Map<String, Object> withoutManaged(Map<String, Object> body) {
    Map<String, Object> clean = new LinkedHashMap<>(body);
    clean.keySet().removeAll(CatalogResource.MANAGED);
    return clean;
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  private static ApiException notFound(ResourceKind kind, String key) {
    return ApiException.notFound(capital(kind.label()) + " '" + key + "'");
  }

  private static ApiException staleRowVersion(
      ResourceKind kind, String key, long sent, long current) {
    return ApiException.rowVersionConflict(capital(kind.label()) + " '" + key + "'", sent, current);
  }

  private static String capital(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
