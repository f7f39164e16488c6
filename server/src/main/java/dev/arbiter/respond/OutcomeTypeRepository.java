package dev.arbiter.respond;

import java.util.List;
import java.util.Optional;

/** Storage of tenant-defined outcome types. */
public interface OutcomeTypeRepository {
  List<OutcomeType> list(String tenantId);

  Optional<OutcomeType> find(String tenantId, String key);

  /**
   * @throws org.springframework.dao.DuplicateKeyException when the key exists
   */
  void insert(String tenantId, OutcomeType type);

  /** Updates the type if its row version is {@code expectedRowVersion}; returns whether it did. */
  boolean update(String tenantId, OutcomeType type, long expectedRowVersion);

  boolean delete(String tenantId, String key);

  int count(String tenantId);

  /** Keys of the tenant's contact policies (drafts included) that count this outcome. */
  List<String> policiesUsing(String tenantId, String outcomeKey);
}
