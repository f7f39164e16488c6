package dev.arbiter.decision.web;

import dev.arbiter.decision.RecommendRequest;
import dev.arbiter.decision.RecommendService;
import dev.arbiter.security.AuthError;
import dev.arbiter.security.AuthException;
import dev.arbiter.security.Caller;
import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import dev.arbiter.web.RequestIds;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v1/recommend}; {@code X-Debug: true} (editor or admin) returns the trace.
 *
 * <p>The hottest endpoint reads its body and writes its answer with a reader and a writer made once
 * from the application's {@link JsonMapper}, instead of through Spring MVC's message converters,
 * which resolve generic types and negotiate content per request. The JSON, the errors (400 {@code
 * MALFORMED_JSON}, 415, 422) and the headers are the same.
 */
@RestController
class RecommendController {
  private final RecommendService recommend;
  private final ObjectReader requestReader;
  private final ObjectWriter answerWriter;

  RecommendController(RecommendService recommend, JsonMapper json) {
    this.recommend = recommend;
    this.requestReader = json.readerFor(RecommendRequest.class);
    this.answerWriter = json.writer();
  }

  /** The answer, for the OpenAPI document (API.md has every field). */
  record RecommendResponse(
      String decisionId,
      String flowKey,
      Integer flowVersion,
      Long catalogVersion,
      List<Map<String, Object>> offers,
      String traceId,
      Map<String, Object> trace) {}

  @PostMapping(
      path = "/api/v1/recommend",
      consumes = {MediaType.APPLICATION_JSON_VALUE, "application/*+json"},
      produces = MediaType.APPLICATION_JSON_VALUE)
  @Requires(Permission.DECIDE)
  @Operation(
      summary = "Decide which offers to show a customer now",
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              content =
                  @Content(
                      mediaType = MediaType.APPLICATION_JSON_VALUE,
                      schema = @Schema(implementation = RecommendRequest.class))),
      responses =
          @ApiResponse(
              responseCode = "200",
              description = "the ranked offers",
              content =
                  @Content(
                      mediaType = MediaType.APPLICATION_JSON_VALUE,
                      schema = @Schema(implementation = RecommendResponse.class))))
  void recommend(
      Caller caller,
      HttpServletRequest http,
      HttpServletResponse response,
      @RequestHeader(name = "X-Debug", required = false) String debug,
      @RequestBody(required = false) byte[] body)
      throws IOException {
    boolean withTrace = "true".equalsIgnoreCase(debug);
    if (withTrace && !caller.role().canWriteCatalog()) {
      throw new AuthException(
          AuthError.FORBIDDEN_ROLE, "X-Debug traces are for editor and admin credentials");
    }
    Map<String, Object> answer =
        recommend.recommend(
            caller.tenantId(),
            caller.tenantKey(),
            RequestIds.of(http),
            read(body, http),
            withTrace);
    byte[] json = answerWriter.writeValueAsBytes(answer);
    response.setStatus(HttpServletResponse.SC_OK);
    response.setContentType(MediaType.APPLICATION_JSON_VALUE);
    response.setContentLength(json.length);
    response.getOutputStream().write(json);
  }

  /** The body as the message converter would have read it; null when there is none. */
  private RecommendRequest read(byte[] body, HttpServletRequest http) {
    if (body == null || body.length == 0) {
      return null;
    }
    try {
      return requestReader.readValue(body);
    } catch (JacksonException e) {
      // the same exception the converter raises, so the same 400 MALFORMED_JSON answer
      throw new HttpMessageNotReadableException(
          "JSON parse error: " + e.getOriginalMessage(), e, new ServletServerHttpRequest(http));
    }
  }
}
