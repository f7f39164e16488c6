package dev.arbiter.outbox.web;

import dev.arbiter.outbox.OutboxEvents;
import dev.arbiter.security.Caller;
import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import dev.arbiter.shared.Page;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/events}: the tenant's outbox as an event log, with or without Kafka. */
@RestController
class EventController {
  private final OutboxEvents events;

  EventController(OutboxEvents events) {
    this.events = events;
  }

  /** {@code after} is the cursor; {@code cursor} is accepted too, as on every other list. */
  @GetMapping("/api/v1/events")
  @Requires(Permission.READ)
  Page<Map<String, Object>> events(
      Caller caller,
      @RequestParam(required = false) String after,
      @RequestParam(required = false) String cursor,
      @RequestParam(required = false) Integer limit) {
    return events.events(caller.tenantId(), limit, after != null ? after : cursor);
  }
}
