package dev.arbiter.audit;

import java.util.List;

/** Storage of audit entries; {@link #record} joins the caller's transaction. */
public interface AuditLog {
  void record(String tenantId, AuditEntry entry);

  /**
   * Entries newest first, optionally filtered.
   *
   * @param beforeId entries older than this id (null: from the newest)
   */
  List<AuditEntry> list(
      String tenantId, String kind, String key, String actor, String beforeId, int limit);
}
