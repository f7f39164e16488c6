package dev.arbiter.outbox.web;

import dev.arbiter.outbox.OutboxMaintenance;
import dev.arbiter.ratelimit.RateLimitDecision;
import dev.arbiter.security.AuthError;
import dev.arbiter.security.AuthFailureLimiter;
import dev.arbiter.security.ClientAddresses;
import dev.arbiter.security.CronSecret;
import dev.arbiter.shared.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/cron/outbox-reaper}: for an external scheduler (Kubernetes CronJob, cron,
 * Cloud Scheduler). Authenticated by {@code CRON_SECRET}, not by tenant credentials; refused when
 * the secret is not configured. A wrong secret counts against the client's address as a failed
 * authentication ({@link AuthFailureLimiter}), so the secret cannot be guessed online: an address
 * over the limit is answered 429 before its secret is compared. Idempotent: a second call finds
 * nothing left to reset.
 */
@RestController
class OutboxReaperController {
  private final OutboxMaintenance maintenance;
  private final CronSecret secret;
  private final AuthFailureLimiter failures;
  private final ClientAddresses clients;

  OutboxReaperController(
      OutboxMaintenance maintenance,
      CronSecret secret,
      AuthFailureLimiter failures,
      ClientAddresses clients) {
    this.maintenance = maintenance;
    this.secret = secret;
    this.failures = failures;
    this.clients = clients;
  }

  @PostMapping("/api/v1/cron/outbox-reaper")
  Map<String, Object> reap(
      HttpServletRequest request,
      HttpServletResponse response,
      @RequestHeader(name = "Authorization", required = false) String authorization,
      @RequestHeader(name = "X-Cron-Secret", required = false) String cronSecret) {
    String address = clients.of(request);
    AuthFailureLimiter.Admission admission = failures.admit(address);
    if (!admission.allowed()) {
      long seconds = RateLimitDecision.headerSeconds(admission.retryAfter());
      response.setHeader("Retry-After", Long.toString(seconds));
      throw new ApiException(
          429,
          "RATE_LIMITED",
          "Too many failed authentications",
          "Too many failed authentications from this address; retry in " + seconds + "s");
    }
    if (!secret.matches(authorization, cronSecret)) {
      // a secret presented and compared counts, as a wrong key does; none presented, or none
      // configured here to compare with, is no guess (it is counted by code all the same)
      boolean presented = cronSecret != null || authorization != null;
      failures.failed(
          secret.configured() && presented ? address : null,
          AuthError.CRON_UNAUTHORIZED,
          admission.permitTaken());
      throw new ApiException(
          AuthError.CRON_UNAUTHORIZED.status(),
          AuthError.CRON_UNAUTHORIZED.code(),
          AuthError.CRON_UNAUTHORIZED.title(),
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
