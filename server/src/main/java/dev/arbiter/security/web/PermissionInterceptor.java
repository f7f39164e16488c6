package dev.arbiter.security.web;

import dev.arbiter.security.AuthError;
import dev.arbiter.security.Caller;
import dev.arbiter.security.Requires;
import dev.arbiter.web.ProblemWriter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Checks the {@link Requires} permission of the handler against the caller's role. A handler under
 * {@code /api/v1} without {@link Requires} is refused (fail closed).
 */
public class PermissionInterceptor implements HandlerInterceptor {
  private final ProblemWriter problems;

  /**
   * Each handler method's {@link Requires}, looked up once: Spring merges the method's annotations
   * again at every lookup, on every request. As many entries as routes.
   */
  private final Map<Method, Optional<Requires>> required = new ConcurrentHashMap<>();

  public PermissionInterceptor(ProblemWriter problems) {
    this.problems = problems;
  }

  @Override
  public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
      throws Exception {
    if (!(handler instanceof HandlerMethod method)) {
      return true;
    }
    Caller caller = (Caller) request.getAttribute(AuthenticationFilter.CALLER_ATTRIBUTE);
    Requires requires = requires(method);
    if (caller == null) {
      if (requires == null) {
        return true; // a public route (probes, metrics, OpenAPI)
      }
      // A protected handler reached without authentication: refuse, whatever the path said.
      response.setHeader("WWW-Authenticate", "Bearer");
      problems.write(
          response,
          problems.problem(
              request,
              AuthError.AUTH_MISSING_TOKEN.status(),
              AuthError.AUTH_MISSING_TOKEN.code(),
              AuthError.AUTH_MISSING_TOKEN.title(),
              "Send Authorization: Bearer <API key or JWT>",
              List.of(),
              null));
      return false;
    }
    if (requires != null && requires.value().allows(caller)) {
      return true;
    }
    String detail =
        requires == null
            ? "This endpoint declares no permission and is refused"
            : "Role '"
                + caller.role().name().toLowerCase(java.util.Locale.ROOT)
                + "' may not do this; it needs "
                + requires.value().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    problems.write(
        response,
        problems.problem(
            request,
            AuthError.FORBIDDEN_ROLE.status(),
            AuthError.FORBIDDEN_ROLE.code(),
            AuthError.FORBIDDEN_ROLE.title(),
            detail,
            List.of(),
            null));
    return false;
  }

  private Requires requires(HandlerMethod handler) {
    Optional<Requires> requires = required.get(handler.getMethod());
    if (requires == null) {
      requires = Optional.ofNullable(handler.getMethodAnnotation(Requires.class));
      required.put(handler.getMethod(), requires);
    }
    return requires.orElse(null);
  }
}
