package dev.arbiter.shared;

import java.util.List;

/**
 * A request that must end in a problem response. Thrown by controllers and services; turned into
 * {@code application/problem+json} by the one exception handler. Carries no stack trace: it is an
 * expected outcome, not a fault.
 */
public final class ApiException extends RuntimeException {
  private final int status;
  private final String code;
  private final String title;
  private final List<FieldError> errors;

  public ApiException(int status, String code, String title, String detail) {
    this(status, code, title, detail, List.of());
  }

  public ApiException(
      int status, String code, String title, String detail, List<FieldError> errors) {
    super(detail, null, false, false);
    this.status = status;
    this.code = code;
    this.title = title;
    this.errors = List.copyOf(errors);
  }

  public static ApiException notFound(String what) {
    return new ApiException(404, "NOT_FOUND", "Not found", what + " does not exist");
  }

  public static ApiException validation(List<FieldError> errors) {
    return new ApiException(
        422,
        "VALIDATION_FAILED",
        "Validation failed",
        errors.size() == 1
            ? errors.get(0).field() + ": " + errors.get(0).message()
            : errors.size() + " fields are invalid",
        errors);
  }

  public static ApiException validation(String field, String message) {
    return validation(List.of(new FieldError(field, message)));
  }

  /** 409 {@code ROW_VERSION_CONFLICT}: {@code what} changed since the client read it. */
  public static ApiException rowVersionConflict(String what, long sent, long current) {
    return new ApiException(
        409,
        "ROW_VERSION_CONFLICT",
        "Stale rowVersion",
        what
            + " is at rowVersion "
            + current
            + ", but the update was based on "
            + sent
            + "; read it again and reapply your change");
  }

  /**
   * The {@code rowVersion} of an update body: a whole number.
   *
   * @throws ApiException 422 when it is missing, fractional or negative
   */
  public static long rowVersion(java.util.Map<String, Object> body) {
    Object rv = body.get("rowVersion");
    if (rv instanceof Integer || rv instanceof Long || rv instanceof java.math.BigInteger) {
      long v = ((Number) rv).longValue();
      if (v >= 0) {
        return v;
      }
    }
    throw validation(
        "rowVersion",
        "is required: the whole number rowVersion you read, so concurrent edits are caught");
  }

  public static ApiException duplicateKey(String what) {
    return new ApiException(409, "DUPLICATE_KEY", "Duplicate key", what + " already exists");
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public String title() {
    return title;
  }

  public List<FieldError> errors() {
    return errors;
  }
}
