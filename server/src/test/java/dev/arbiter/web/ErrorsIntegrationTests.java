package dev.arbiter.web;

import static dev.arbiter.testsupport.TestServer.auth;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.arbiter.testsupport.TestServer;
import dev.arbiter.testsupport.TestServer.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ErrorsIntegrationTests {
  static TestServer server;
  static String admin;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    admin = server.apiKey("acme", "admin");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void shouldEchoASafeRequestId() {
    Response r = server.get("/health/live", "X-Request-ID", "client-req-42");
    assertThat(r.header("X-Request-ID")).isEqualTo("client-req-42");
  }

  @Test
  void shouldReplaceAnUnsafeRequestIdAndGenerateOneWhenMissing() {
    Response unsafe = server.get("/health/live", "X-Request-ID", "bad id\twith spaces");
    assertThat(unsafe.header("X-Request-ID")).isNotBlank().doesNotContain(" ");
    Response none = server.get("/health/live");
    assertThat(none.header("X-Request-ID")).isNotBlank();
    assertThat(none.header("X-Request-ID")).isNotEqualTo(unsafe.header("X-Request-ID"));
  }

  @Test
  void shouldAnswerAnUnknownRouteWithNotFound() {
    Response r = server.get("/api/v1/no-such-thing", auth(admin, "acme"));
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.code()).isEqualTo("NOT_FOUND");
    Response outside = server.get("/nowhere");
    assertThat(outside.status()).isEqualTo(404);
    assertThat(outside.code()).isEqualTo("NOT_FOUND");
  }

  @Test
  void shouldAnswerAWrongMethodWith405AndAllow() {
    Response r = server.send("PATCH", "/api/v1/api-keys", null, auth(admin, "acme"));
    assertThat(r.status()).isEqualTo(405);
    assertThat(r.code()).isEqualTo("METHOD_NOT_ALLOWED");
    assertThat(r.header("Allow")).contains("GET").contains("POST");
  }

  @Test
  void shouldAnswerMalformedJsonWithAStableCode() {
    Response r = server.post("/api/v1/api-keys", "{\"name\": ", auth(admin, "acme"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.code()).isEqualTo("MALFORMED_JSON");
  }

  /** Valid JSON of the wrong shape is an invalid body: 422 with the field, not 400. */
  @Test
  void shouldAnswerAWrongShapeWithTheFieldItIsIn() {
    Response wrongType =
        server.post(
            "/api/v1/api-keys", "{\"name\": \"ci\", \"role\": [\"admin\"]}", auth(admin, "acme"));
    assertThat(wrongType.status()).as(wrongType.body()).isEqualTo(422);
    assertThat(wrongType.code()).isEqualTo("VALIDATION_FAILED");
    assertThat(wrongType.json().path("errors").get(0).path("field").asString()).isEqualTo("role");
    assertThat(wrongType.json().path("errors").get(0).path("message").asString())
        .isEqualTo("must be a string");
    assertThat(wrongType.json().path("requestId").asString())
        .isEqualTo(wrongType.header("X-Request-ID"));
    Response array = server.post("/api/v1/api-keys", "[1, 2]", auth(admin, "acme"));
    assertThat(array.status()).as(array.body()).isEqualTo(422);
    assertThat(array.json().path("errors").get(0).path("field").asString()).isEqualTo("body");
  }

  @Test
  void shouldHideInternalsOfAFaultButLogItsErrorId() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    root.addAppender(appender);
    try {
      Response r = server.get("/api/v1/test/boom", auth(admin, "acme"));
      assertThat(r.status()).isEqualTo(500);
      assertThat(r.code()).isEqualTo("INTERNAL");
      String errorId = r.json().path("errorId").asString();
      assertThat(errorId).isNotBlank();
      assertThat(r.body())
          .doesNotContain("secret internal detail")
          .doesNotContain("Exception")
          .doesNotContain("at com.");
      assertThat(appender.list)
          .anySatisfy(
              e -> {
                assertThat(e.getFormattedMessage()).contains(errorId);
                assertThat(e.getMDCPropertyMap()).containsEntry("errorId", errorId);
                assertThat(e.getThrowableProxy()).isNotNull();
              });
    } finally {
      root.detachAppender(appender);
    }
  }

  @Test
  void shouldWriteOneAccessLineWithTheRequestContext() {
    Logger access = (Logger) LoggerFactory.getLogger("arbiter.access");
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    access.addAppender(appender);
    try {
      Response r = server.get("/api/v1/me", auth(admin, "acme"));
      String requestId = r.header("X-Request-ID");
      // the line is written as the request ends, which may be after the client has the answer
      assertThat(accessLine(appender, requestId))
          .satisfies(
              e -> {
                assertThat(e.getMDCPropertyMap()).containsEntry("tenant", "acme");
                assertThat(RequestLoggingFilterTests.pairs(e))
                    .doesNotContainKeys("tenant", "requestId")
                    .containsEntry("method", "GET")
                    .containsEntry("route", "/api/v1/me")
                    .containsEntry("status", 200)
                    .hasEntrySatisfying("durationMs", d -> assertThat(d).isInstanceOf(Long.class))
                    .hasEntrySatisfying(
                        "credential", c -> assertThat(c.toString()).startsWith("key:"))
                    .doesNotContainKey("code");
              });
      // a refused request's line says why, and names no credential
      String refused = server.get("/api/v1/me", auth("ak_made-up", "acme")).header("X-Request-ID");
      assertThat(accessLine(appender, refused))
          .satisfies(
              e ->
                  assertThat(RequestLoggingFilterTests.pairs(e))
                      .containsEntry("status", 401)
                      .containsEntry("code", "AUTH_INVALID_API_KEY")
                      .doesNotContainKey("credential"));
    } finally {
      access.detachAppender(appender);
    }
  }

  /** The one access line of request {@code requestId}, waited for (at most 5 s). */
  private static ILoggingEvent accessLine(ListAppender<ILoggingEvent> appender, String requestId) {
    return org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .until(
            () -> {
              java.util.List<ILoggingEvent> lines;
              synchronized (appender) { // appending holds the appender's lock
                lines = java.util.List.copyOf(appender.list);
              }
              return lines.stream()
                  .filter(e -> requestId.equals(e.getMDCPropertyMap().get("requestId")))
                  .toList();
            },
            lines -> !lines.isEmpty())
        .stream()
        .reduce(
            (a, b) -> {
              throw new AssertionError("two access lines for " + requestId);
            })
        .orElseThrow();
  }
}
