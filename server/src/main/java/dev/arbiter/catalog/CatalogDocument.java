package dev.arbiter.catalog;

import dev.arbiter.shared.FieldError;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * A tenant's catalog as one document, for export, import and {@code arbiter validate}:
 *
 * <pre>
 * apiVersion: arbiter/v1
 * offers: [{key: gold-card, name: …}, …]
 * qualificationRules: […]   contactPolicies: […]   models: […]
 * arbitrationProfiles: […]  flows: […]
 * </pre>
 *
 * Each item is a resource's body with its {@code key}; server-managed fields are ignored. Pure: no
 * I/O, thread-safe.
 */
public final class CatalogDocument {
  public static final String API_VERSION = "arbiter/v1";
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private static final Set<String> HEADER =
      Set.of("apiVersion", "tenant", "catalogVersion", "exportedAt");
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final YAMLMapper YAML = YAMLMapper.builder().build();

  private CatalogDocument() {}

  /** Items read from a document, and what was wrong with its structure. */
  public record Read(List<CatalogResource> resources, List<FieldError> problems) {}

  /** Parses JSON or YAML text into a map, or reports why it cannot. */
  public static Map<String, Object> parse(String text, boolean yaml) {
    try {
      Map<String, Object> doc = (yaml ? YAML : JSON).readValue(text, MAP);
      if (doc == null) {
        throw new IllegalArgumentException("the document is empty");
      }
      return doc;
    } catch (JacksonException e) {
      String m = e.getOriginalMessage();
      throw new IllegalArgumentException(
          "not valid "
              + (yaml ? "YAML" : "JSON")
              + ": "
              + (m == null ? e.getMessage() : m.lines().findFirst().orElse(m)));
    }
  }

  public static String toJson(Map<String, Object> doc) {
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc);
  }

  public static String toYaml(Map<String, Object> doc) {
    return YAML.writeValueAsString(doc);
  }

  /** The export of {@code resources}. */
  public static Map<String, Object> export(
      String tenantKey, long catalogVersion, Instant at, List<CatalogResource> resources) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("apiVersion", API_VERSION);
    doc.put("tenant", tenantKey);
    doc.put("catalogVersion", catalogVersion);
    doc.put("exportedAt", at.toString());
    for (ResourceKind kind : ResourceKind.values()) {
      List<Map<String, Object>> items = new ArrayList<>();
      for (CatalogResource r : resources) {
        if (r.kind() == kind) {
          Map<String, Object> item = new LinkedHashMap<>();
          item.put("key", r.key());
          item.putAll(r.body());
          items.add(item);
        }
      }
      doc.put(kind.documentField(), items);
    }
    return doc;
  }

  /**
   * Reads the resources of a document (ids and times are placeholders; a caller matches them to
   * stored resources by kind and key).
   */
  @SuppressWarnings("unchecked")
  public static Read read(Map<String, Object> doc, Instant at) {
    List<FieldError> problems = new ArrayList<>();
    List<CatalogResource> resources = new ArrayList<>();
    Object api = doc.get("apiVersion");
    if (api != null && !API_VERSION.equals(api)) {
      problems.add(new FieldError("apiVersion", "must be " + API_VERSION + " (or absent)"));
    }
    Set<String> fields = new HashSet<>(HEADER);
    for (ResourceKind kind : ResourceKind.values()) {
      fields.add(kind.documentField());
    }
    for (String field : doc.keySet()) {
      if (!fields.contains(field)) {
        problems.add(new FieldError(field, "is not a section of a catalog document"));
      }
    }
    for (ResourceKind kind : ResourceKind.values()) {
      Object section = doc.get(kind.documentField());
      if (section == null) {
        continue;
      }
      if (!(section instanceof List<?> items)) {
        problems.add(new FieldError(kind.documentField(), "must be an array"));
        continue;
      }
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < items.size(); i++) {
        String at0 = kind.documentField() + "[" + i + "]";
        if (!(items.get(i) instanceof Map<?, ?> item)) {
          problems.add(new FieldError(at0, "must be an object"));
          continue;
        }
        Object key = item.get("key");
        if (!(key instanceof String k) || !CatalogService.KEY.matcher(k).matches()) {
          problems.add(
              new FieldError(
                  at0 + ".key", "is required: 1-128 characters of A-Z, a-z, 0-9, '.', '_' or '-'"));
          continue;
        }
        if (!seen.add(k)) {
          problems.add(new FieldError(at0 + ".key", "'" + k + "' appears twice"));
          continue;
        }
        Map<String, Object> body = CatalogService.withoutManaged((Map<String, Object>) item);
        resources.add(
            new CatalogResource(
                "import:" + kind.stored() + ":" + k, kind, k, body, 1, at, at, null));
      }
    }
    return new Read(resources, problems);
  }
}
