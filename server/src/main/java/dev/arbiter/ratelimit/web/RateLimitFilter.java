package dev.arbiter.ratelimit.web;

import dev.arbiter.config.ArbiterConfig.RateLimits;
import dev.arbiter.config.ArbiterConfig.RateSpec;
import dev.arbiter.ratelimit.RateLimit;
import dev.arbiter.ratelimit.RateLimitDecision;
import dev.arbiter.ratelimit.RateLimiter;
import dev.arbiter.security.Caller;
import dev.arbiter.security.web.AuthenticationFilter;
import dev.arbiter.web.ProblemWriter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Limits every authenticated {@code /api/v1} request per tenant and credential, with the tenant's
 * override when configured. Allowed responses carry {@code X-RateLimit-Limit} and {@code
 * X-RateLimit-Remaining}; a refused one is 429 {@code RATE_LIMITED} with {@code Retry-After}.
 */
public class RateLimitFilter extends OncePerRequestFilter {
  private final RateLimiter limiter;
  private final RateLimits limits;
  private final ProblemWriter problems;

  public RateLimitFilter(RateLimiter limiter, RateLimits limits, ProblemWriter problems) {
    this.limiter = limiter;
    this.limits = limits;
    this.problems = problems;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    Caller caller = (Caller) request.getAttribute(AuthenticationFilter.CALLER_ATTRIBUTE);
    if (caller == null || !limits.enabled()) {
      chain.doFilter(request, response);
      return;
    }
    String tenant = caller.tenantKey() == null ? "-" : caller.tenantKey();
    RateSpec spec = limits.forTenant(tenant);
    RateLimitDecision d =
        limiter.tryAcquire(
            tenant + ":" + caller.credentialId(), RateLimit.of(spec.permits(), spec.window()));
    response.setHeader("X-RateLimit-Limit", Long.toString(d.limit()));
    response.setHeader("X-RateLimit-Remaining", Long.toString(d.remaining()));
    if (d.allowed()) {
      chain.doFilter(request, response);
      return;
    }
    problems.writeRateLimited(
        request,
        response,
        "Too many requests",
        "Rate limit of "
            + spec.permits()
            + " requests per "
            + spec.window()
            + " reached for this credential",
        d.retryAfter());
  }
}
