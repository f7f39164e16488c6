package dev.arbiter.web;

import dev.arbiter.shared.Problem;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.spi.LoggingEventBuilder;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerMapping;

/**
 * First filter of every request: assigns the request id (response header and log context) and
 * writes one access line when the request ends, with requestId, tenant, method, route, status and
 * durationMs. Probes and scrapes log at DEBUG so they do not drown real traffic.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class RequestLoggingFilter extends OncePerRequestFilter {
  /** Set by authentication so the access line names the tenant. */
  public static final String TENANT_ATTRIBUTE = "arbiter.tenantKey";

  /**
   * Set by authentication so the access line names the credential ({@code Caller#credentialId}).
   */
  public static final String CREDENTIAL_ATTRIBUTE = "arbiter.credential";

  /** Set where a problem answer is made, so the access line says which ({@code code}). */
  static final String PROBLEM_CODE_ATTRIBUTE = "arbiter.problemCode";

  /**
   * {@code problem}, noted as {@code request}'s answer for its access line: every problem made for
   * a request is made through here (the problem writer, the exception handler, the database-outage
   * answer).
   */
  static Problem answering(HttpServletRequest request, Problem problem) {
    request.setAttribute(PROBLEM_CODE_ATTRIBUTE, problem.code());
    return problem;
  }

  private static final Logger access = LoggerFactory.getLogger("arbiter.access");

  private final ProblemWriter problems;

  public RequestLoggingFilter(ProblemWriter problems) {
    this.problems = problems;
  }

  /**
   * Whether a raw request URI could be read as two different paths (matrix parameters, encoded
   * separators or dots, empty segments). Such URIs are refused before any routing or authentication
   * decision is made on them.
   */
  static boolean ambiguous(String rawUri) {
    if (rawUri == null) {
      return false;
    }
    String lower = rawUri.toLowerCase(java.util.Locale.ROOT);
    return lower.indexOf(';') >= 0
        || lower.contains("%2e")
        || lower.contains("%2f")
        || lower.contains("%5c")
        || lower.contains("%3b")
        || lower.contains("%25")
        || lower.contains("//")
        || lower.contains("\\")
        || lower.contains("/./")
        || lower.contains("/../")
        || lower.endsWith("/.")
        || lower.endsWith("/..");
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    long start = System.nanoTime();
    String requestId = RequestIds.resolve(request.getHeader(RequestIds.HEADER));
    request.setAttribute(RequestIds.ATTRIBUTE, requestId);
    response.setHeader(RequestIds.HEADER, requestId);
    MDC.put("requestId", requestId);
    try {
      if (ambiguous(request.getRequestURI())) {
        problems.write(
            response,
            problems.problem(
                request,
                400,
                "AMBIGUOUS_PATH",
                "Ambiguous request path",
                "The path contains ';', an encoded '.', '/' or '\\', or '//'; send the plain path",
                java.util.List.of(),
                null));
        return;
      }
      try {
        chain.doFilter(request, response);
      } catch (RuntimeException e) {
        // An error no handler answered (one thrown by a filter, outside the dispatcher's
        // resolvers): answered here as any 500, with its errorId logged under this request's id,
        // so the client gets a problem and the access line below the status it was sent.
        if (response.isCommitted()) {
          throw e;
        }
        problems.write(response, ProblemHandler.internal(e, request));
      }
    } finally {
      logAccess(request, response, start);
      MDC.clear();
    }
  }

  private void logAccess(HttpServletRequest request, HttpServletResponse response, long start) {
    String path = request.getRequestURI();
    boolean quiet = path.startsWith("/health/") || path.equals("/metrics");
    if (quiet ? !access.isDebugEnabled() : !access.isInfoEnabled()) {
      return;
    }
    Object route = request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
    Object tenant = request.getAttribute(TENANT_ATTRIBUTE);
    long durationMs = (System.nanoTime() - start) / 1_000_000;
    int status = response.getStatus();
    // key-value pairs, not MDC entries: a JSON line carries status and durationMs as numbers, so
    // a log store can compare and sum them (MDC values are strings)
    LoggingEventBuilder line =
        (quiet ? access.atDebug() : access.atInfo())
            .addKeyValue("method", request.getMethod())
            .addKeyValue("route", route == null ? path : route.toString())
            .addKeyValue("status", status)
            .addKeyValue("durationMs", durationMs);
    if (tenant != null) {
      MDC.put("tenant", tenant.toString()); // as authentication put it: one key, not two
    }
    Object credential = request.getAttribute(CREDENTIAL_ATTRIBUTE);
    if (credential != null) {
      line.addKeyValue("credential", credential);
    }
    Object code = request.getAttribute(PROBLEM_CODE_ATTRIBUTE);
    if (code != null) {
      line.addKeyValue("code", code);
    }
    line.log(request.getMethod() + " " + path + " " + status + " " + durationMs + "ms");
  }
}
