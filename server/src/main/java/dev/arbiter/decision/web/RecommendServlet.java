package dev.arbiter.decision.web;

import dev.arbiter.security.web.PermissionInterceptor;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.ServerHttpObservationFilter;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.ModelAndView;

/**
 * Serves {@value RecommendController#PATH} as a servlet of its own, mapped to exactly that path, so
 * that a decision does not go through Spring MVC's {@link DispatcherServlet} at all: its locale and
 * request-attribute holders, the parsed-path cache, the handler lookup and adapter, and the {@code
 * ServletRequestHandledEvent} it publishes per request were about a twelfth of a decision's
 * request-thread CPU on the reference flow (bench/RESULTS.md). Every servlet filter
 * (authentication, rate limit, HTTP metrics, access log) still runs, as their URL pattern is {@code
 * /*}.
 *
 * <p>What the dispatcher did for this route is done here with the same parts, so every answer is
 * the one the annotated route gives: the matched pattern is exposed to the access log and the HTTP
 * metrics, the {@link PermissionInterceptor} checks the method's {@code @Requires}, and whatever
 * the controller throws goes to the application's {@link HandlerExceptionResolver}s, in the
 * dispatcher's order, with the controller method as the handler (so {@code ProblemHandler} writes
 * the problem body); an {@link Error} goes to them wrapped, as the dispatcher wraps it. An
 * exception none of them answers is rethrown to the container, as the dispatcher rethrows it.
 */
public final class RecommendServlet extends HttpServlet {
  /** What the servlet serves: the controller's method, called with the request and response. */
  @FunctionalInterface
  interface Action {
    void serve(HttpServletRequest request, HttpServletResponse response) throws Exception;
  }

  private final transient String pattern;
  private final transient HandlerMethod handler;
  private final transient Action action;
  private final transient PermissionInterceptor permissions;
  private final transient Supplier<List<HandlerExceptionResolver>> resolverSource;
  private transient volatile List<HandlerExceptionResolver> resolvers;

  /**
   * @param resolvers the application's exception resolvers in the dispatcher's order, asked for on
   *     the first failure (some are made after this servlet)
   */
  public RecommendServlet(
      RecommendController controller,
      PermissionInterceptor permissions,
      Supplier<List<HandlerExceptionResolver>> resolvers) {
    this(
        RecommendController.PATH,
        controller.handlerMethod(),
        controller::recommend,
        permissions,
        resolvers);
  }

  /**
   * @param pattern the route the access log and the HTTP metrics name
   * @param handler the method {@code action} calls, whose {@code @Requires} is checked and which
   *     the exception resolvers are given
   */
  RecommendServlet(
      String pattern,
      HandlerMethod handler,
      Action action,
      PermissionInterceptor permissions,
      Supplier<List<HandlerExceptionResolver>> resolvers) {
    this.pattern = pattern;
    this.handler = handler;
    this.action = action;
    this.permissions = permissions;
    this.resolverSource = resolvers;
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws ServletException, IOException {
    request.setAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE, pattern);
    ServerHttpObservationFilter.findObservationContext(request)
        .ifPresent(context -> context.setPathPattern(pattern));
    try {
      if (permissions.preHandle(request, response, handler)) {
        action.serve(request, response);
      }
    } catch (Exception e) {
      answer(request, response, e);
    } catch (Throwable t) {
      // as the dispatcher wraps an Error, so it is answered (500) and logged with the request's id
      answer(request, response, new ServletException("Handler dispatch failed: " + t, t));
    }
  }

  /**
   * Every method goes to {@link #service}, which answers all but POST with 405; declared so that
   * the container's own answer to TRACE lists POST in its {@code Allow} header.
   */
  @Override
  protected void doPost(HttpServletRequest request, HttpServletResponse response)
      throws ServletException, IOException {
    service(request, response);
  }

  /** What {@code DispatcherServlet.processHandlerException} does, for a handler's exception. */
  private void answer(HttpServletRequest request, HttpServletResponse response, Exception e)
      throws ServletException, IOException {
    request.removeAttribute(HandlerMapping.PRODUCIBLE_MEDIA_TYPES_ATTRIBUTE);
    if (!response.isCommitted()) {
      // success and error answers have different content types
      response.resetBuffer();
      response.setHeader(HttpHeaders.CONTENT_TYPE, null);
      response.setHeader(HttpHeaders.CONTENT_DISPOSITION, null);
    }
    for (HandlerExceptionResolver resolver : resolvers()) {
      ModelAndView answered = resolver.resolveException(request, response, handler, e);
      if (answered == null) {
        continue;
      }
      if (!answered.isEmpty()) {
        // no resolver of this application renders a view; one that did is a wiring error
        throw new ServletException("An exception resolver answered with a view: " + answered, e);
      }
      request.setAttribute(DispatcherServlet.EXCEPTION_ATTRIBUTE, e);
      return;
    }
    // as the dispatcher's servlet rethrows what no resolver answered
    switch (e) {
      case ServletException servlet -> throw servlet;
      case IOException io -> throw io;
      default -> throw new ServletException("Request processing failed: " + e, e);
    }
  }

  private List<HandlerExceptionResolver> resolvers() {
    List<HandlerExceptionResolver> r = resolvers;
    if (r == null) {
      r = List.copyOf(resolverSource.get());
      resolvers = r;
    }
    return r;
  }
}
