package dev.arbiter.decision.web;

import dev.arbiter.decision.RecommendRequest;
import dev.arbiter.decision.RecommendService;
import dev.arbiter.security.AuthError;
import dev.arbiter.security.AuthException;
import dev.arbiter.security.Caller;
import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import dev.arbiter.security.web.AuthenticationFilter;
import dev.arbiter.security.web.PermissionInterceptor;
import dev.arbiter.web.RequestIds;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.method.HandlerMethod;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v1/recommend}; {@code X-Debug: true} (editor or admin) returns the trace.
 *
 * <p>The hottest endpoint skips Spring MVC. {@link RecommendServlet}, mapped to exactly {@value
 * #PATH}, calls {@link #recommend} without the dispatcher, the matching of every
 * {@code @RequestMapping} or the resolution of a body, header and caller argument. The annotations
 * still describe the endpoint in the OpenAPI document. What MVC checked from them is checked in the
 * method, with the same answers: the HTTP method (405 with {@code Allow}), the body's media type
 * (415) and {@code Accept} (406); the {@link Requires} permission is checked by the same {@link
 * PermissionInterceptor} as every route. Failures go to MVC's exception resolvers, so every problem
 * body is the one {@code ProblemHandler} writes. The body is read and the answer written with a
 * reader and a writer made once from the application's {@link JsonMapper}, not through the message
 * converters, which resolve generic types and negotiate content per request.
 */
@RestController
public class RecommendController {
  public static final String PATH = "/api/v1/recommend";

  /** Decides as {@value #PATH} would, without consequences (through MVC: not a hot path). */
  public static final String DRY_RUN_PATH = "/api/v1/recommend/dry-run";

  private static final MediaType ANY_JSON = MediaType.parseMediaType("application/*+json");

  private final RecommendService recommend;
  private final RequestJson requestReader;
  private final AnswerJson answerWriter;

  RecommendController(RecommendService recommend, JsonMapper json) {
    this.recommend = recommend;
    this.requestReader = new RequestJson(json.readerFor(RecommendRequest.class));
    this.answerWriter = new AnswerJson(json.writer());
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
      path = PATH,
      consumes = {MediaType.APPLICATION_JSON_VALUE, "application/*+json"},
      produces = MediaType.APPLICATION_JSON_VALUE)
  @Requires(Permission.DECIDE)
  @Operation(
      summary = "Decide which offers to show a customer now",
      parameters =
          @Parameter(
              name = "X-Debug",
              in = ParameterIn.HEADER,
              description = "true returns the decision trace inline (editor and admin only)"),
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              required = true,
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
  void recommend(HttpServletRequest http, HttpServletResponse response)
      throws HttpRequestMethodNotSupportedException,
          HttpMediaTypeNotSupportedException,
          HttpMediaTypeNotAcceptableException,
          IOException {
    // what the annotation's conditions checked when MVC matched them; the servlet does not
    if (!"POST".equals(http.getMethod())) {
      throw new HttpRequestMethodNotSupportedException(http.getMethod(), List.of("POST"));
    }
    if (http.getContentLengthLong() > 0 || http.getHeader(HttpHeaders.TRANSFER_ENCODING) != null) {
      checkContentType(http.getContentType()); // a request without a body gets the 422 below
    }
    checkAccept(http.getHeader(HttpHeaders.ACCEPT));
    Caller caller = (Caller) http.getAttribute(AuthenticationFilter.CALLER_ATTRIBUTE);
    boolean withTrace = "true".equalsIgnoreCase(http.getHeader("X-Debug"));
    if (withTrace && !caller.role().canWriteCatalog()) {
      throw new AuthException(
          AuthError.FORBIDDEN_ROLE, "X-Debug traces are for editor and admin credentials");
    }
    RecommendService.Answer answer =
        recommend.recommend(
            caller.tenantId(),
            caller.tenantKey(),
            RequestIds.of(http),
            read(body(http), http),
            withTrace);
    write(answer, response);
  }

  /**
   * {@value #DRY_RUN_PATH}: what Recommend would answer this customer now, with the trace, and no
   * consequence ({@link RecommendService#dryRun}): for debugging "why no offer" on real customers
   * without using their contact caps, the budgets or the event log.
   */
  @PostMapping(
      path = DRY_RUN_PATH,
      consumes = {MediaType.APPLICATION_JSON_VALUE, "application/*+json"},
      produces = MediaType.APPLICATION_JSON_VALUE)
  @Requires(Permission.WRITE_CATALOG)
  @Operation(
      summary =
          "Decide as Recommend would, and change nothing: no budget, contact, event or stored"
              + " trace; the trace inline (editor and admin)",
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              required = true,
              content =
                  @Content(
                      mediaType = MediaType.APPLICATION_JSON_VALUE,
                      schema = @Schema(implementation = RecommendRequest.class))),
      responses =
          @ApiResponse(
              responseCode = "200",
              description = "the offers Recommend would return, decisionId null, and the trace",
              content =
                  @Content(
                      mediaType = MediaType.APPLICATION_JSON_VALUE,
                      schema = @Schema(implementation = RecommendResponse.class))))
  void dryRun(HttpServletRequest http, HttpServletResponse response) throws IOException {
    Caller caller = (Caller) http.getAttribute(AuthenticationFilter.CALLER_ATTRIBUTE);
    RecommendService.Answer answer =
        recommend.dryRun(caller.tenantId(), RequestIds.of(http), read(body(http), http));
    write(answer, response);
  }

  /** Writes {@code answer} as the 200 answer, with its length (not chunked). */
  private void write(RecommendService.Answer answer, HttpServletResponse response)
      throws IOException {
    ByteArrayOutputStream json = answerWriter.write(answer);
    response.setStatus(HttpServletResponse.SC_OK);
    response.setContentType(MediaType.APPLICATION_JSON_VALUE);
    response.setContentLength(json.size());
    json.writeTo(response.getOutputStream());
  }

  /** Bodies up to this size with a declared length are read into an array of exactly that size. */
  private static final int SIZED_READ_MAX = 64 * 1024;

  /**
   * The request body. With a declared length (what channels send), one array of that size: {@code
   * readAllBytes} starts with a 16 KiB buffer and copies out of it, which was 29% of the bytes a
   * decision allocated. A larger or undeclared (chunked) body is read to its end as before.
   */
  private static byte[] body(HttpServletRequest http) throws IOException {
    long length = http.getContentLengthLong();
    if (length < 0 || length > SIZED_READ_MAX) {
      return http.getInputStream().readAllBytes();
    }
    byte[] body = new byte[(int) length];
    int read = http.getInputStream().readNBytes(body, 0, body.length);
    // a body cut short by the client is parsed as what arrived (and refused as malformed)
    return read == body.length ? body : java.util.Arrays.copyOf(body, read);
  }

  /** What {@code consumes} checked: JSON, including {@code application/*+json}. */
  private static void checkContentType(String contentType)
      throws HttpMediaTypeNotSupportedException {
    if (contentType != null) {
      if (contentType.regionMatches(true, 0, MediaType.APPLICATION_JSON_VALUE, 0, 16)
          && (contentType.length() == 16 || contentType.charAt(16) == ';')) {
        return; // the common case, without parsing
      }
      try {
        MediaType type = MediaType.parseMediaType(contentType);
        if (MediaType.APPLICATION_JSON.includes(type) || ANY_JSON.includes(type)) {
          return;
        }
      } catch (InvalidMediaTypeException e) {
        throw new HttpMediaTypeNotSupportedException(e.getMessage());
      }
    }
    throw new HttpMediaTypeNotSupportedException(
        contentType == null ? null : MediaType.parseMediaType(contentType),
        List.of(MediaType.APPLICATION_JSON, ANY_JSON));
  }

  /** What {@code produces} checked: the caller accepts JSON (no header accepts anything). */
  private static void checkAccept(String accept) throws HttpMediaTypeNotAcceptableException {
    if (accept == null
        || accept.isEmpty()
        || accept.equals("*/*")
        || accept.equals(MediaType.APPLICATION_JSON_VALUE)) {
      return;
    }
    try {
      for (MediaType type : MediaType.parseMediaTypes(accept)) {
        if (type.isCompatibleWith(MediaType.APPLICATION_JSON) && type.getQualityValue() > 0) {
          return;
        }
      }
    } catch (InvalidMediaTypeException e) {
      throw new HttpMediaTypeNotAcceptableException(e.getMessage());
    }
    throw new HttpMediaTypeNotAcceptableException(List.of(MediaType.APPLICATION_JSON));
  }

  /** The body as the message converter would have read it; null when there is none. */
  private RecommendRequest read(byte[] body, HttpServletRequest http) {
    if (body == null || body.length == 0) {
      return null;
    }
    try {
      return requestReader.read(body);
    } catch (JacksonException e) {
      // the same exception the converter raises, so the same answer: 400 MALFORMED_JSON, or 422
      // for valid JSON of the wrong shape
      throw new HttpMessageNotReadableException(
          "JSON parse error: " + e.getOriginalMessage(), e, new ServletServerHttpRequest(http));
    }
  }

  /** {@link #recommend} as a handler, for the permission check and the exception resolvers. */
  HandlerMethod handlerMethod() {
    try {
      return new HandlerMethod(
          this,
          RecommendController.class.getDeclaredMethod(
              "recommend", HttpServletRequest.class, HttpServletResponse.class));
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(e);
    }
  }
}
