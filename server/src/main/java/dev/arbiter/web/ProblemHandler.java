package dev.arbiter.web;

import dev.arbiter.security.AuthException;
import dev.arbiter.shared.ApiException;
import dev.arbiter.shared.FieldError;
import dev.arbiter.shared.Ids;
import dev.arbiter.shared.Problem;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.PropertyBindingException;

/**
 * The one translation from exceptions to problem+json. Expected outcomes map to stable codes;
 * anything else is a 500 {@code INTERNAL} whose {@code errorId} is logged with the stack trace and
 * shown to the client without it.
 */
@RestControllerAdvice
public class ProblemHandler {
  private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);
  private static final MediaType PROBLEM = MediaType.parseMediaType(Problem.MEDIA_TYPE);

  @ExceptionHandler(ApiException.class)
  ResponseEntity<Problem> api(ApiException e, HttpServletRequest request) {
    return respond(
        request,
        Problem.of(
            e.status(),
            e.code(),
            e.title(),
            e.getMessage(),
            RequestIds.of(request),
            e.errors(),
            null));
  }

  @ExceptionHandler(AuthException.class)
  ResponseEntity<Problem> auth(AuthException e, HttpServletRequest request) {
    return respond(
        request,
        Problem.of(
            e.error().status(),
            e.error().code(),
            e.error().title(),
            e.getMessage(),
            RequestIds.of(request),
            List.of(),
            null));
  }

  /**
   * A body that is not JSON is 400 {@code MALFORMED_JSON}; valid JSON of the wrong shape (a string
   * where a number goes, an array for an object, an unknown field of a typed body) is 422 {@code
   * VALIDATION_FAILED} naming the field, as every other invalid body is.
   */
  @ExceptionHandler(HttpMessageNotReadableException.class)
  ResponseEntity<Problem> unreadable(
      HttpMessageNotReadableException e, HttpServletRequest request) {
    if (e.getMostSpecificCause() instanceof MismatchedInputException mismatch
        && !notJson(mismatch)) {
      return api(ApiException.validation(FieldError.pathOf(mismatch), expected(mismatch)), request);
    }
    String detail = "The request body is missing or is not valid JSON";
    if (e.getMostSpecificCause() instanceof tools.jackson.core.JacksonException je
        && je.getLocation() != null
        && je.getLocation().getLineNr() > 0) {
      detail +=
          " (line "
              + je.getLocation().getLineNr()
              + ", column "
              + je.getLocation().getColumnNr()
              + ")";
    }
    return respond(
        request,
        Problem.of(
            400,
            "MALFORMED_JSON",
            "Malformed request body",
            detail,
            RequestIds.of(request),
            List.of(),
            null));
  }

  /**
   * The mismatches Jackson reports for a body that is not one JSON value at all: nothing but
   * whitespace, or something after the value.
   */
  private static boolean notJson(MismatchedInputException e) {
    String message = e.getOriginalMessage();
    return e.getPath().isEmpty()
        && message != null
        && (message.startsWith("No content to map") || message.startsWith("Trailing token"));
  }

  private static String expected(MismatchedInputException e) {
    if (e instanceof PropertyBindingException) {
      return "is not a known field";
    }
    Class<?> type = e.getTargetType();
    if (type == null) {
      return "has the wrong type";
    }
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "must be a JSON array";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "must be true or false";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "must be an integer";
    }
    if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
      return "must be a number";
    }
    if (type == String.class) {
      return "must be a string";
    }
    if (Map.class.isAssignableFrom(type) || !type.getName().startsWith("java.")) {
      return "must be a JSON object";
    }
    return "has the wrong type";
  }

  @ExceptionHandler(MethodArgumentNotValidException.class)
  ResponseEntity<Problem> invalid(MethodArgumentNotValidException e, HttpServletRequest request) {
    List<FieldError> errors =
        e.getBindingResult().getFieldErrors().stream()
            .map(f -> new FieldError(f.getField(), f.getDefaultMessage()))
            .collect(Collectors.toList());
    ApiException v = ApiException.validation(errors);
    return api(v, request);
  }

  @ExceptionHandler({
    MissingServletRequestParameterException.class,
    MethodArgumentTypeMismatchException.class,
    MissingRequestHeaderException.class
  })
  ResponseEntity<Problem> badParameter(Exception e, HttpServletRequest request) {
    String field =
        switch (e) {
          case MissingServletRequestParameterException m -> m.getParameterName();
          case MethodArgumentTypeMismatchException m -> m.getName();
          case MissingRequestHeaderException m -> m.getHeaderName();
          default -> "request";
        };
    String message =
        switch (e) {
          case MissingServletRequestParameterException m -> "is required";
          case MissingRequestHeaderException m -> "is required";
          case MethodArgumentTypeMismatchException m ->
              "must be a valid "
                  + (m.getRequiredType() == null
                      ? "value"
                      : m.getRequiredType().getSimpleName().toLowerCase(java.util.Locale.ROOT));
          default -> "is invalid";
        };
    return api(ApiException.validation(field, message), request);
  }

  @ExceptionHandler(NoResourceFoundException.class)
  ResponseEntity<Problem> noRoute(NoResourceFoundException e, HttpServletRequest request) {
    return respond(
        request,
        Problem.of(
            404,
            "NOT_FOUND",
            "Not found",
            "No endpoint " + request.getMethod() + " " + request.getRequestURI(),
            RequestIds.of(request),
            List.of(),
            null));
  }

  @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
  ResponseEntity<Problem> method(
      HttpRequestMethodNotSupportedException e, HttpServletRequest request) {
    ResponseEntity<Problem> r =
        respond(
            request,
            Problem.of(
                405,
                "METHOD_NOT_ALLOWED",
                "Method not allowed",
                e.getMessage(),
                RequestIds.of(request),
                List.of(),
                null));
    HttpHeaders headers = new HttpHeaders();
    headers.putAll(r.getHeaders());
    if (e.getSupportedHttpMethods() != null) {
      headers.setAllow(e.getSupportedHttpMethods());
    }
    return new ResponseEntity<>(r.getBody(), headers, r.getStatusCode());
  }

  @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
  ResponseEntity<Problem> mediaType(
      HttpMediaTypeNotSupportedException e, HttpServletRequest request) {
    return respond(
        request,
        Problem.of(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "Unsupported media type",
            "Send Content-Type: application/json",
            RequestIds.of(request),
            List.of(),
            null));
  }

  @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
  ResponseEntity<Problem> notAcceptable(
      HttpMediaTypeNotAcceptableException e, HttpServletRequest request) {
    return respond(
        request,
        Problem.of(
            406,
            "NOT_ACCEPTABLE",
            "Not acceptable",
            "Responses are application/json",
            RequestIds.of(request),
            List.of(),
            null));
  }

  @ExceptionHandler(DataAccessException.class)
  ResponseEntity<Problem> data(DataAccessException e, HttpServletRequest request) {
    if (!DatabaseFailures.isUnavailable(e)) {
      return fault(e, request);
    }
    return databaseUnavailable(e, request);
  }

  private ResponseEntity<Problem> databaseUnavailable(Exception e, HttpServletRequest request) {
    log.warn("Database unavailable: {}", firstLine(e.getMessage()));
    return ResponseEntity.status(503)
        .contentType(PROBLEM)
        .header(HttpHeaders.RETRY_AFTER, "1")
        .body(DatabaseFailures.problem(request));
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<Problem> fault(Exception e, HttpServletRequest request) {
    if (DatabaseFailures.isUnavailable(e)) {
      return databaseUnavailable(e, request);
    }
    return respond(request, internal(e, request));
  }

  /** Logs {@code e} with a fresh errorId and returns the problem the client sees. */
  static Problem internal(Throwable e, HttpServletRequest request) {
    String errorId = Ids.newId();
    MDC.put("errorId", errorId);
    try {
      log.error(
          "Unhandled error {} on {} {}", errorId, request.getMethod(), request.getRequestURI(), e);
    } finally {
      MDC.remove("errorId");
    }
    return RequestLoggingFilter.answering(
        request,
        Problem.of(
            500,
            "INTERNAL",
            "Internal error",
            "Something went wrong on our side; quote errorId " + errorId + " when reporting it",
            RequestIds.of(request),
            List.of(),
            errorId));
  }

  /** {@code problem} as the answer to {@code request}. */
  static ResponseEntity<Problem> respond(HttpServletRequest request, Problem problem) {
    RequestLoggingFilter.answering(request, problem);
    return ResponseEntity.status(problem.status()).contentType(PROBLEM).body(problem);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 300 ? line.substring(0, 300) + "…" : line;
  }
}
