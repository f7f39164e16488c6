package dev.arbiter.security.web;

import dev.arbiter.security.AuthException;
import dev.arbiter.security.AuthFailureLimiter;
import dev.arbiter.security.Authenticator;
import dev.arbiter.security.Caller;
import dev.arbiter.security.ClientAddresses;
import dev.arbiter.shared.ApiException;
import dev.arbiter.web.DatabaseFailures;
import dev.arbiter.web.ProblemWriter;
import dev.arbiter.web.RequestLoggingFilter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.slf4j.MDC;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates every {@code /api/v1} request before anything else sees it and stores the {@link
 * Caller} as a request attribute. Failures answer problem+json with the precise code, and count
 * against the client's address ({@link AuthFailureLimiter}): an address over its limit is answered
 * 429 {@code RATE_LIMITED} before any credential lookup, unless it sends an API key that was valid
 * on this node recently.
 */
public class AuthenticationFilter extends OncePerRequestFilter {
  public static final String CALLER_ATTRIBUTE = "arbiter.caller";

  private final Authenticator authenticator;
  private final AuthFailureLimiter failures;
  private final ClientAddresses clients;
  private final ProblemWriter problems;

  public AuthenticationFilter(
      Authenticator authenticator,
      AuthFailureLimiter failures,
      ClientAddresses clients,
      ProblemWriter problems) {
    this.authenticator = authenticator;
    this.failures = failures;
    this.clients = clients;
    this.problems = problems;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String path = path(request);
    // Cron endpoints authenticate with CRON_SECRET, not with tenant credentials.
    return !path.startsWith("/api/v1/") || path.startsWith("/api/v1/cron/");
  }

  /**
   * The decoded, normalised path routing uses — never the raw URI, which can be spelled many ways.
   */
  static String path(HttpServletRequest request) {
    return URL_PATHS.getLookupPathForRequest(request);
  }

  private static final org.springframework.web.util.UrlPathHelper URL_PATHS =
      new org.springframework.web.util.UrlPathHelper();

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    // the client's address is worked out only while some address is watched, or on a failure
    boolean watching = failures.watchesAny();
    String client = watching ? clients.of(request) : null;
    boolean permitTaken = false;
    String authorization = request.getHeader("Authorization");
    // only a key this node must look up in the database waits for the address's limit: a request
    // without a credential needs no lookup, a key valid here lately is no guess, and a JWT is
    // checked by its signature alone (a user signing in from an address that someone else there
    // is guessing keys from is not turned away; its bad signatures still count)
    if (client != null && authorization != null && authenticator.needsKeyLookup(authorization)) {
      AuthFailureLimiter.Admission admission = failures.admit(client);
      if (!admission.allowed()) {
        problems.writeRateLimited(
            request,
            response,
            "Too many failed authentications",
            "Too many failed authentications from this address",
            admission.retryAfter());
        return;
      }
      permitTaken = admission.permitTaken();
    }
    Caller caller;
    try {
      caller =
          authenticator.authenticate(
              authorization, request.getHeader("X-Tenant-Id"), tenantOptional(path(request)));
    } catch (AuthException e) {
      String address = client;
      if (!watching && failures.countsAgainstAddress(e.error())) {
        address = clients.of(request); // only a failure that counts needs the address
      }
      failures.failed(address, e.error(), permitTaken);
      if (e.error().status() == 401) {
        response.setHeader("WWW-Authenticate", "Bearer");
      }
      problems.write(
          response,
          problems.problem(
              request,
              e.error().status(),
              e.error().code(),
              e.error().title(),
              e.getMessage(),
              List.of(),
              null));
      return;
    } catch (ApiException e) {
      problems.write(
          response,
          problems.problem(
              request, e.status(), e.code(), e.title(), e.getMessage(), e.errors(), null));
      return;
    } catch (RuntimeException e) {
      if (!DatabaseFailures.isUnavailable(e)) {
        throw e;
      }
      response.setHeader("Retry-After", "1");
      problems.write(response, DatabaseFailures.problem(request));
      return;
    }
    request.setAttribute(CALLER_ATTRIBUTE, caller);
    request.setAttribute(RequestLoggingFilter.CREDENTIAL_ATTRIBUTE, caller.credentialId());
    if (caller.tenantKey() != null) {
      request.setAttribute(RequestLoggingFilter.TENANT_ATTRIBUTE, caller.tenantKey());
      MDC.put("tenant", caller.tenantKey());
    }
    chain.doFilter(request, response);
  }

  /** Platform routes (tenant management) work without {@code X-Tenant-Id}. */
  static boolean tenantOptional(String path) {
    return path.equals("/api/v1/tenants") || path.startsWith("/api/v1/tenants/");
  }
}
