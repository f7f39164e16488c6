package dev.arbiter.shared;

import tools.jackson.core.JacksonException;

/** One invalid field of a request body: a JSON path ({@code offers[0].key}) and what is wrong. */
public record FieldError(String field, String message) {

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
