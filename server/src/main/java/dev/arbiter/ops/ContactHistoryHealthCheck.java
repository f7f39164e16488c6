package dev.arbiter.ops;

import dev.arbiter.contact.ContactHistoryStatus;
import dev.arbiter.contact.ContactSharing;
import dev.arbiter.contact.FailoverContactHistoryStore;
import java.util.LinkedHashMap;
import java.util.Map;

/** Contact history: held in Redis, or in this node's memory (disabled or degraded). */
public class ContactHistoryHealthCheck implements HealthCheck {
  private final FailoverContactHistoryStore store;
  private final ContactSharing sharing;

  public ContactHistoryHealthCheck(FailoverContactHistoryStore store, ContactSharing sharing) {
    this.store = store;
    this.sharing = sharing;
  }

  @Override
  public String name() {
    return "contactHistory";
  }

  @Override
  public CheckResult check() {
    ContactHistoryStatus s = store.status();
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("mode", s.mode());
    details.put("since", s.since().toString());
    details.put("pendingReplay", s.pendingReplay());
    if (s.lastError() != null) {
      details.put("lastError", s.lastError());
    }
    long unshared = sharing.unsharedAfterLastRun();
    if (unshared >= 0) {
      // committed interactions Redis has not had for over a minute (ContactSharing)
      details.put("unsharedInteractions", unshared);
    }
    if (!s.configured()) {
      details.put(
          "note",
          "REDIS_URL is not set: each node holds histories in memory, loaded from PostgreSQL");
      return new CheckResult(CheckResult.DISABLED, 0, details, false);
    }
    return new CheckResult(s.healthy() ? CheckResult.UP : CheckResult.DEGRADED, 0, details, false);
  }
}
