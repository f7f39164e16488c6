package dev.arbiter.catalog;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One stored catalog resource: its definition as the client wrote it ({@code body}, without the
 * server-managed fields) and those fields.
 *
 * @param publishedVersion for flows, the latest published version, or null if never published
 */
public record CatalogResource(
    String id,
    ResourceKind kind,
    String key,
    Map<String, Object> body,
    long rowVersion,
    Instant createdAt,
    Instant updatedAt,
    Integer publishedVersion) {

  /** Fields the server manages; clients may send them back but never set them. */
  public static final java.util.Set<String> MANAGED =
      java.util.Set.of("id", "key", "rowVersion", "createdAt", "updatedAt", "publishedVersion");

  /** The API view: the body with the managed fields. */
  public Map<String, Object> view() {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("id", id);
    v.put("key", key);
    v.putAll(body);
    v.put("rowVersion", rowVersion);
    v.put("createdAt", createdAt.toString());
    v.put("updatedAt", updatedAt.toString());
    if (kind == ResourceKind.FLOW) {
      v.put("publishedVersion", publishedVersion);
    }
    return v;
  }

  public CatalogResource withBody(Map<String, Object> newBody, long newRowVersion, Instant at) {
    return new CatalogResource(
        id, kind, key, newBody, newRowVersion, createdAt, at, publishedVersion);
  }
}
