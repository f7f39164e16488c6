package dev.arbiter.audit.web;

import dev.arbiter.audit.AuditEntry;
import dev.arbiter.audit.AuditLog;
import dev.arbiter.security.Caller;
import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import dev.arbiter.shared.Page;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/audit-log}: the tenant's writes, newest first, filterable. */
@RestController
class AuditLogController {
  private final AuditLog audit;

  AuditLogController(AuditLog audit) {
    this.audit = audit;
  }

  @GetMapping("/api/v1/audit-log")
  @Requires(Permission.READ)
  Page<AuditEntry> list(
      Caller caller,
      @RequestParam(required = false) String kind,
      @RequestParam(required = false) String key,
      @RequestParam(required = false) String actor,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    int n = Page.limit(limit);
    return Page.of(
        audit.list(caller.tenantId(), kind, key, actor, Page.after(cursor), n + 1),
        n,
        AuditEntry::id);
  }
}
