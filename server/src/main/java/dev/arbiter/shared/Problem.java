package dev.arbiter.shared;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Locale;

/**
 * An RFC 9457 problem document as Arbiter sends it. {@code code} is the stable machine-readable
 * string clients switch on; {@code type} is derived from it; {@code errorId} is present only on
 * server faults and is also written to the log line of the fault.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(
    String type,
    String title,
    int status,
    String detail,
    String code,
    String requestId,
    List<FieldError> errors,
    String errorId) {

  public static final String MEDIA_TYPE = "application/problem+json";

  /** Builds a problem with {@code type} derived from {@code code}. */
  public static Problem of(
      int status,
      String code,
      String title,
      String detail,
      String requestId,
      List<FieldError> errors,
      String errorId) {
    return new Problem(typeOf(code), title, status, detail, code, requestId, errors, errorId);
  }

  /** {@code urn:arbiter:problem:auth-token-expired} for {@code AUTH_TOKEN_EXPIRED}. */
  public static String typeOf(String code) {
    return "urn:arbiter:problem:" + code.toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
