package dev.arbiter.engine.catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Collects violations and reads parsed-JSON config fields, reporting each problem once. */
final class Violations {
  final List<CatalogViolation> list = new ArrayList<>();

  void add(String path, String message) {
    list.add(new CatalogViolation(path, message));
  }

  boolean isEmpty() {
    return list.isEmpty();
  }

  int size() {
    return list.size();
  }

  static String join(String prefix, String field) {
    return prefix.isEmpty() ? field : prefix + "." + field;
  }

  static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String s) {
      return "the string \"" + s + "\"";
    }
    if (value instanceof Map<?, ?>) {
      return "an object";
    }
    if (value instanceof List<?>) {
      return "an array";
    }
    if (value instanceof Boolean b) {
      return b.toString();
    }
    return value.toString();
  }

  /** Reports every field of {@code config} not in {@code allowed}. */
  void unknownFields(Map<String, ?> config, String path, String... allowed) {
    for (String field : config.keySet()) {
      boolean known = false;
      for (String a : allowed) {
        if (a.equals(field)) {
          known = true;
          break;
        }
      }
      if (!known) {
        add(join(path, field), "unknown field (allowed: " + String.join(", ", allowed) + ")");
      }
    }
  }

  /** A finite number, {@code fallback} when absent, or null after reporting a problem. */
  Double number(Map<String, ?> config, String field, String path, Double fallback) {
    Object raw = config.get(field);
    String at = join(path, field);
    if (raw == null) {
      if (fallback == null) {
        add(at, "is required");
      }
      return fallback;
    }
    if (!(raw instanceof Number n) || !Double.isFinite(n.doubleValue())) {
      add(at, "must be a finite number, not " + describe(raw));
      return null;
    }
    return n.doubleValue();
  }

  /** An integer in [min, max], {@code fallback} when absent, or null after reporting a problem. */
  Integer integer(
      Map<String, ?> config, String field, String path, Integer fallback, int min, int max) {
    Object raw = config.get(field);
    String at = join(path, field);
    if (raw == null) {
      if (fallback == null) {
        add(at, "is required");
      }
      return fallback;
    }
    if (!(raw instanceof Number n)
        || n.doubleValue() != Math.rint(n.doubleValue())
        || Double.isInfinite(n.doubleValue())) {
      add(at, "must be an integer, not " + describe(raw));
      return null;
    }
    double d = n.doubleValue();
    if (d < min || d > max) {
      add(at, "must be between " + min + " and " + max + ", not " + n);
      return null;
    }
    return (int) d;
  }

  /** A non-blank string, {@code fallback} when absent, or null after reporting a problem. */
  String string(Map<String, ?> config, String field, String path, String fallback) {
    Object raw = config.get(field);
    String at = join(path, field);
    if (raw == null) {
      if (fallback == null) {
        add(at, "is required");
      }
      return fallback;
    }
    if (!(raw instanceof String s) || s.isBlank()) {
      add(at, "must be a non-empty string, not " + describe(raw));
      return null;
    }
    return s;
  }

  /** An object, or null (reported when {@code required} or of the wrong type). */
  @SuppressWarnings("unchecked")
  Map<String, ?> object(Map<String, ?> config, String field, String path, boolean required) {
    Object raw = config.get(field);
    if (raw == null) {
      if (required) {
        add(join(path, field), "is required");
      }
      return null;
    }
    if (!(raw instanceof Map<?, ?> map)) {
      add(join(path, field), "must be an object, not " + describe(raw));
      return null;
    }
    for (Object k : map.keySet()) {
      if (!(k instanceof String)) {
        add(join(path, field), "must have string field names");
        return null;
      }
    }
    return (Map<String, ?>) map;
  }

  /** An array, or null (reported when {@code required} or of the wrong type). */
  List<?> array(Map<String, ?> config, String field, String path, boolean required) {
    Object raw = config.get(field);
    if (raw == null) {
      if (required) {
        add(join(path, field), "is required");
      }
      return null;
    }
    if (!(raw instanceof List<?> list)) {
      add(join(path, field), "must be an array, not " + describe(raw));
      return null;
    }
    return list;
  }
}
