package dev.arbiter.engine.scoring;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A dotted path into decision data, such as {@code customer.age} or {@code request.context.device},
 * split once when the catalog is built. The data is {@code {customer, request, offer}} as parsed
 * JSON. Immutable and thread-safe.
 */
public final class FeaturePath {
  private final String text;
  private final String[] segments;

  private FeaturePath(String text) {
    this.text = text;
    this.segments = text.split("\\.", -1);
  }

  /**
   * Parses a path; the caller validates it with {@link #problem(String)} first.
   *
   * @throws IllegalArgumentException when {@link #problem(String)} reports one
   */
  public static FeaturePath of(String text) {
    String problem = problem(text);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return new FeaturePath(text);
  }

  /** What is wrong with {@code text} as a path, or null when it is a valid one. */
  public static String problem(String text) {
    if (text == null || text.isEmpty()) {
      return "must be a dotted path such as customer.age";
    }
    String[] parts = text.split("\\.", -1);
    for (String part : parts) {
      if (part.isEmpty()) {
        return "path '" + text + "' has an empty segment";
      }
    }
    String root = parts[0];
    if (!root.equals("customer") && !root.equals("request") && !root.equals("offer")) {
      return "path '" + text + "' must start with customer, request or offer";
    }
    if (parts.length == 1) {
      return "path '" + text + "' must name a field below " + root;
    }
    return null;
  }

  /** Whether the value can differ between offers of one decision (the path reads {@code offer}). */
  public boolean readsOffer() {
    return segments[0].equals("offer");
  }

  /** The value at this path in {@code data}, or null when any step is missing. */
  public Object resolve(Object data) {
    Object current = data;
    for (String segment : segments) {
      if (current instanceof Map<?, ?> map) {
        current = map.get(segment);
      } else if (current instanceof List<?> list) {
        int index = index(segment);
        current = index >= 0 && index < list.size() ? list.get(index) : null;
      } else {
        return null;
      }
      if (current == null) {
        return null;
      }
    }
    return current;
  }

  private static int index(String segment) {
    int value = 0;
    if (segment.isEmpty() || segment.length() > 9) {
      return -1;
    }
    for (int i = 0; i < segment.length(); i++) {
      char c = segment.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FeaturePath other && other.text.equals(text);
  }

  @Override
  public int hashCode() {
    return Objects.hash(text);
  }

  @Override
  public String toString() {
    return text;
  }
}
