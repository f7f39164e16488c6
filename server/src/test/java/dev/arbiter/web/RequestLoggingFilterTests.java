package dev.arbiter.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An error that escapes every handler (thrown by a filter, outside the dispatcher's resolvers) is
 * answered as a 500 problem with its errorId, and the access line says 500, not the 200 the
 * response held when the error went by.
 */
class RequestLoggingFilterTests {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** The key-value pairs of an access line (status and durationMs are numbers). */
  static java.util.Map<String, Object> pairs(ILoggingEvent e) {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    if (e.getKeyValuePairs() != null) {
      e.getKeyValuePairs().forEach(p -> m.put(p.key, p.value));
    }
    return m;
  }

  @Test
  void shouldAnswerAndLogAnErrorThatEscapedEveryHandlerAsA500() throws Exception {
    RequestLoggingFilter filter = new RequestLoggingFilter(new ProblemWriter(JSON));
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/v1/me");
    request.addHeader(RequestIds.HEADER, "req-escaped-1");
    MockHttpServletResponse response = new MockHttpServletResponse();
    Logger access = (Logger) LoggerFactory.getLogger("arbiter.access");
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    access.addAppender(appender);
    try {
      filter.doFilter(
          request,
          response,
          (req, res) -> {
            throw new IllegalStateException("injected: a filter failed");
          });
    } finally {
      access.detachAppender(appender);
    }
    assertThat(response.getStatus()).isEqualTo(500);
    JsonNode problem = JSON.readTree(response.getContentAsString());
    assertThat(problem.path("code").asString()).isEqualTo("INTERNAL");
    assertThat(problem.path("requestId").asString()).isEqualTo("req-escaped-1");
    assertThat(problem.path("errorId").asString()).isNotBlank();
    assertThat(appender.list)
        .singleElement()
        .satisfies(
            e ->
                assertThat(pairs(e))
                    .containsEntry("status", 500)
                    .containsEntry("code", "INTERNAL"));
  }

  @Test
  void shouldLeaveAnErrorAfterTheAnswerWasSentToTheContainer() {
    RequestLoggingFilter filter = new RequestLoggingFilter(new ProblemWriter(JSON));
    MockHttpServletResponse response = new MockHttpServletResponse();
    assertThatThrownBy(
            () ->
                filter.doFilter(
                    new MockHttpServletRequest("GET", "/api/v1/me"),
                    response,
                    (req, res) -> {
                      res.getOutputStream().write('x');
                      res.flushBuffer();
                      throw new IllegalStateException("injected: after the answer");
                    }))
        .hasMessageContaining("after the answer");
  }
}
