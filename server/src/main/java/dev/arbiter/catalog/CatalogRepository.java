package dev.arbiter.catalog;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Storage of catalog resources, published flow versions and the tenant's catalog version. Write
 * methods run inside the caller's transaction; {@link #lockCatalog(String)} serialises writers of
 * one tenant so a write always validates against the catalog it changes.
 */
public interface CatalogRepository {
  /** Locks the tenant's catalog for this transaction and returns its current version. */
  long lockCatalog(String tenantId);

  /** Increments the tenant's catalog version, tells every node, and returns the new version. */
  long bumpCatalogVersion(String tenantId);

  long catalogVersion(String tenantId);

  List<CatalogResource> all(String tenantId);

  Optional<CatalogResource> find(String tenantId, ResourceKind kind, String key);

  List<CatalogResource> list(String tenantId, ResourceKind kind, String afterKey, int limit);

  /** Inserts a resource; a model starts without learned evidence (any under its key is deleted). */
  void insert(String tenantId, CatalogResource resource, String actor);

  /**
   * Updates a resource if it still has {@code expectedRowVersion}.
   *
   * @return false when it does not (stale) — nothing changed
   */
  boolean update(
      String tenantId, CatalogResource resource, long expectedRowVersion, String actor, Instant at);

  /**
   * Deletes a resource. A flow takes its published versions with it, a model its learned evidence:
   * a resource later created under the same key starts afresh.
   */
  void delete(String tenantId, ResourceKind kind, String key);

  /**
   * Deletes learned evidence of model {@code modelKey} that its new definition cannot use: all of
   * it ({@code predictors} null), or the naive-Bayes bin counts of the named predictors.
   */
  void forgetModelEvidence(String tenantId, String modelKey, java.util.Set<String> predictors);

  /** The latest published version of every flow of the tenant. */
  List<PublishedFlow> latestPublishedFlows(String tenantId);

  /**
   * Published versions of a flow, newest first: at most {@code limit}, each older than {@code
   * before} when it is not null.
   */
  List<PublishedFlow> flowVersions(String tenantId, String flowKey, Integer before, int limit);

  Optional<PublishedFlow> flowVersion(String tenantId, String flowKey, int version);

  void insertFlowVersion(String tenantId, PublishedFlow flow);
}
