package dev.arbiter.decision.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.arbiter.security.Caller;
import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import dev.arbiter.security.Role;
import dev.arbiter.security.web.AuthenticationFilter;
import dev.arbiter.security.web.PermissionInterceptor;
import dev.arbiter.web.ProblemWriter;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.ModelAndView;
import tools.jackson.databind.json.JsonMapper;

/**
 * What {@link RecommendServlet} does in the dispatcher's place when its action fails, beside the
 * HTTP tests of the real route ({@code RecommendIntegrationTests}), which cannot make the
 * controller throw an {@link Error} or leave an exception unanswered.
 */
class RecommendServletTests {
  static final String PATTERN = "/api/v1/recommend";

  /** A handler declaring the route's permission, as the controller's method does. */
  static final class Route {
    @Requires(Permission.DECIDE)
    void serve(HttpServletRequest request, HttpServletResponse response) {}
  }

  private final List<Exception> resolved = new ArrayList<>();

  private static HandlerMethod handler() throws NoSuchMethodException {
    return new HandlerMethod(
        new Route(),
        Route.class.getDeclaredMethod(
            "serve", HttpServletRequest.class, HttpServletResponse.class));
  }

  private RecommendServlet servlet(
      RecommendServlet.Action action, List<HandlerExceptionResolver> resolvers)
      throws NoSuchMethodException {
    return new RecommendServlet(
        PATTERN,
        handler(),
        action,
        new PermissionInterceptor(new ProblemWriter(JsonMapper.builder().build())),
        () -> resolvers);
  }

  /** A resolver that answers every exception with 500, as the application's problem handler. */
  private HandlerExceptionResolver answering() {
    return (request, response, handler, e) -> {
      resolved.add(e);
      response.setStatus(500);
      return new ModelAndView();
    };
  }

  private static MockHttpServletRequest request(Role role) {
    MockHttpServletRequest request = new MockHttpServletRequest("POST", PATTERN);
    request.setAttribute(
        AuthenticationFilter.CALLER_ATTRIBUTE,
        new Caller("t-1", "acme", role, "key:k-1", null, false));
    return request;
  }

  @Test
  void shouldHandAnErrorToTheResolversWrappedAsTheDispatcherDoes() throws Exception {
    MockHttpServletRequest request = request(Role.DECISION);
    MockHttpServletResponse response = new MockHttpServletResponse();
    AssertionError failure = new AssertionError("broken");

    servlet(
            (req, res) -> {
              res.setContentType("application/json");
              throw failure;
            },
            List.of((req, res, h, e) -> null, answering()))
        .service(request, response);

    assertThat(response.getStatus()).isEqualTo(500);
    assertThat(resolved).singleElement().isInstanceOf(ServletException.class);
    assertThat(resolved.get(0).getCause()).isSameAs(failure);
    assertThat(request.getAttribute(DispatcherServlet.EXCEPTION_ATTRIBUTE))
        .isSameAs(resolved.get(0));
    // the success answer's type is not left on the problem
    assertThat(response.getContentType()).isNull();
    assertThat(request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE))
        .isEqualTo(PATTERN);
  }

  /** What a decision's request gets out of the servlet when its action throws {@code failure}. */
  private Throwable thrownServing(Throwable failure, List<HandlerExceptionResolver> resolvers) {
    return catchThrowable(
        () ->
            servlet(
                    (req, res) -> {
                      if (failure instanceof Error error) {
                        throw error;
                      }
                      throw (Exception) failure;
                    },
                    resolvers)
                .service(request(Role.DECISION), new MockHttpServletResponse()));
  }

  @Test
  void shouldRethrowWhatNoResolverAnswers() {
    IOException io = new IOException("client gone");
    assertThat(thrownServing(io, List.of())).isSameAs(io);

    for (Exception other : List.of(new Exception("checked"), new IllegalStateException("bug"))) {
      assertThat(thrownServing(other, List.of()))
          .isInstanceOf(ServletException.class)
          .hasMessageStartingWith("Request processing failed")
          .hasCause(other);
    }

    // an Error no resolver answered: wrapped once, not twice
    AssertionError failure = new AssertionError("broken");
    assertThat(thrownServing(failure, List.of()))
        .isInstanceOf(ServletException.class)
        .hasCause(failure);
  }

  @Test
  void shouldRefuseAResolverThatAnswersWithAView() {
    assertThat(
            thrownServing(
                new IllegalStateException("x"),
                List.of((req, res, h, e) -> new ModelAndView("error"))))
        .isInstanceOf(ServletException.class)
        .hasMessageContaining("view")
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void shouldNotServeARoleTheRouteDoesNotAllow() throws Exception {
    List<String> served = new ArrayList<>();
    MockHttpServletResponse response = new MockHttpServletResponse();
    servlet((req, res) -> served.add("served"), List.of(answering()))
        .service(request(Role.VIEWER), response);
    assertThat(served).isEmpty();
    assertThat(response.getStatus()).isEqualTo(403);
    assertThat(response.getContentAsString()).contains("FORBIDDEN_ROLE");

    servlet((req, res) -> served.add("served"), List.of(answering()))
        .service(request(Role.DECISION), new MockHttpServletResponse());
    assertThat(served).containsExactly("served");
  }
}
