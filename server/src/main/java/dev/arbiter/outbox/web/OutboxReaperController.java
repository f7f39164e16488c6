package dev.arbiter.outbox.web;

import dev.arbiter.outbox.OutboxMaintenance;
import dev.arbiter.security.CronSecret;
import dev.arbiter.shared.ApiException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/cron/outbox-reaper}: for an external scheduler (Kubernetes CronJob, cron,
 * Cloud Scheduler). Authenticated by {@code CRON_SECRET}, not by tenant credentials; refused when
 * the secret is not configured. Idempotent: a second call finds nothing left to reset.
 */
@RestController
class OutboxReaperController {
  private final OutboxMaintenance maintenance;
  private final CronSecret secret;

  OutboxReaperController(OutboxMaintenance maintenance, CronSecret secret) {
    this.maintenance = maintenance;
    this.secret = secret;
  }

  @PostMapping("/api/v1/cron/outbox-reaper")
  Map<String, Object> reap(
      @RequestHeader(name = "Authorization", required = false) String authorization,
      @RequestHeader(name = "X-Cron-Secret", required = false) String cronSecret) {
    if (!secret.matches(authorization, cronSecret)) {
      throw new ApiException(
          401,
          "CRON_UNAUTHORIZED",
          "Invalid cron secret",
          secret.configured()
              ? "Send the CRON_SECRET as Authorization: Bearer <secret> or X-Cron-Secret"
              : "CRON_SECRET is not configured on this server, so cron endpoints are refused");
    }
    OutboxMaintenance.ReapResult r = maintenance.reap();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", "ok");
    body.put("stalenessSeconds", r.stalenessSeconds());
    body.put("resetCount", r.resetCount());
    body.put("durationMs", r.durationMs());
    body.put("timestamp", r.at().toString());
    return body;
  }
}
