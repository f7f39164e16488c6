package dev.arbiter.decision.web;

import dev.arbiter.decision.RecommendRequest;
import dev.arbiter.decision.RecommendService;
import dev.arbiter.security.AuthError;
import dev.arbiter.security.AuthException;
import dev.arbiter.security.Caller;
import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import dev.arbiter.web.RequestIds;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /api/v1/recommend}; {@code X-Debug: true} (editor or admin) returns the trace. */
@RestController
class RecommendController {
  private final RecommendService recommend;

  RecommendController(RecommendService recommend) {
    this.recommend = recommend;
  }

  @PostMapping("/api/v1/recommend")
  @Requires(Permission.DECIDE)
  Map<String, Object> recommend(
      Caller caller,
      HttpServletRequest http,
      @RequestHeader(name = "X-Debug", required = false) String debug,
      @RequestBody(required = false) RecommendRequest body) {
    boolean withTrace = "true".equalsIgnoreCase(debug);
    if (withTrace && !caller.role().canWriteCatalog()) {
      throw new AuthException(
          AuthError.FORBIDDEN_ROLE, "X-Debug traces are for editor and admin credentials");
    }
    return recommend.recommend(
        caller.tenantId(), caller.tenantKey(), RequestIds.of(http), body, withTrace);
  }
}
