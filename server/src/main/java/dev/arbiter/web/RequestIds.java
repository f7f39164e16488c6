package dev.arbiter.web;

import dev.arbiter.shared.Ids;
import jakarta.servlet.http.HttpServletRequest;
import java.util.regex.Pattern;

/** The request id of the current request: echoed from {@code X-Request-ID} or generated. */
public final class RequestIds {
  public static final String HEADER = "X-Request-ID";
  static final String ATTRIBUTE = "arbiter.requestId";
  private static final Pattern SAFE = Pattern.compile("^[A-Za-z0-9._:-]{1,128}$");

  private RequestIds() {}

  /** The id to use for a request: the caller's if it is safe to echo and log, else a new one. */
  static String resolve(String incoming) {
    return incoming != null && SAFE.matcher(incoming).matches() ? incoming : Ids.newId();
  }

  public static String of(HttpServletRequest request) {
    Object id = request.getAttribute(ATTRIBUTE);
    return id == null ? null : id.toString();
  }
}
