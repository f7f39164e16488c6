package dev.arbiter.web;

import dev.arbiter.shared.Problem;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Replaces the container's error page so errors raised outside Spring MVC (in filters, or by the
 * container) still answer problem+json without internals.
 */
@RestController
class ErrorPageController implements ErrorController {

  @RequestMapping("/error")
  ResponseEntity<Problem> error(HttpServletRequest request) {
    Object statusAttr = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    int status = statusAttr instanceof Integer i ? i : 404;
    Object ex = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
    Problem problem;
    if (ex instanceof Throwable t || status >= 500) {
      problem =
          ProblemHandler.internal(
              ex instanceof Throwable t ? t : new IllegalStateException("status " + status),
              request);
    } else {
      String code =
          status == 404 ? "NOT_FOUND" : status == 405 ? "METHOD_NOT_ALLOWED" : "BAD_REQUEST";
      problem =
          Problem.of(
              status,
              code,
              code.replace('_', ' ').toLowerCase(),
              "The request could not be served",
              RequestIds.of(request),
              List.of(),
              null);
    }
    return ProblemHandler.respond(request, problem);
  }
}
