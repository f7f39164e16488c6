package dev.arbiter.web;

import dev.arbiter.ratelimit.RateLimitDecision;
import dev.arbiter.shared.FieldError;
import dev.arbiter.shared.Problem;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes problem responses from servlet filters, which run outside Spring MVC's exception handling.
 * Controllers throw instead and {@link ProblemHandler} answers.
 */
@Component
public class ProblemWriter {
  private final JsonMapper json;

  public ProblemWriter(JsonMapper json) {
    this.json = json;
  }

  public Problem problem(
      HttpServletRequest request,
      int status,
      String code,
      String title,
      String detail,
      List<FieldError> errors,
      String errorId) {
    return RequestLoggingFilter.answering(
        request, Problem.of(status, code, title, detail, RequestIds.of(request), errors, errorId));
  }

  /**
   * Answers 429 {@code RATE_LIMITED} with {@code Retry-After} (whole seconds, rounded up) and a
   * detail that ends with when to retry.
   */
  public void writeRateLimited(
      HttpServletRequest request,
      HttpServletResponse response,
      String title,
      String detail,
      Duration retryAfter)
      throws IOException {
    long retryAfterSeconds = RateLimitDecision.headerSeconds(retryAfter);
    response.setHeader("Retry-After", Long.toString(retryAfterSeconds));
    write(
        response,
        problem(
            request,
            429,
            "RATE_LIMITED",
            title,
            detail + "; retry in " + retryAfterSeconds + "s",
            List.of(),
            null));
  }

  public void write(HttpServletResponse response, Problem problem) throws IOException {
    if (response.isCommitted()) {
      return;
    }
    response.resetBuffer();
    response.setStatus(problem.status());
    response.setContentType(Problem.MEDIA_TYPE);
    response.setCharacterEncoding("UTF-8");
    json.writeValue(response.getOutputStream(), problem);
  }
}
