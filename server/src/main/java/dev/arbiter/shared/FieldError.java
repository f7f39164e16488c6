package dev.arbiter.shared;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import tools.jackson.core.JacksonException;

/** One invalid field of a request body: a JSON path ({@code offers[0].key}) and what is wrong. */
public record FieldError(String field, String message) {

  /**
   * {@code value} read as an ISO-8601 instant; null when it is null, and when it does not parse,
   * with {@code field}'s problem added to {@code errors}.
   */
  public static Instant instant(String field, String value, List<FieldError> errors) {
    if (value == null) {
      return null;
    }
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      errors.add(
          new FieldError(field, "must be an ISO-8601 instant, such as 2026-12-01T00:00:00Z"));
      return null;
    }
  }

  /**
   * Where in the body Jackson failed, as a field path: {@code limit}, {@code offers[2].key}; {@code
   * body} for the whole document.
   */
  public static String pathOf(JacksonException e) {
    StringBuilder sb = new StringBuilder();
    for (JacksonException.Reference ref : e.getPath()) {
      if (ref.getPropertyName() != null) {
        if (!sb.isEmpty()) {
          sb.append('.');
        }
        sb.append(ref.getPropertyName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.isEmpty() ? "body" : sb.toString();
  }
}
