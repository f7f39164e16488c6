package dev.arbiter.engine.rules;

import java.util.List;
import java.util.Map;

/**
 * A data path resolved once at compile time: its keys, and for each key the array index it names
 * (or -1), so that evaluation does no string splitting or number parsing.
 */
final class Path {
  static final Object MISSING = new Object();

  final String[] keys;
  private final int[] indexes;

  Path(List<String> keys) {
    // interned: keys of parsed JSON are often interned too, making the map lookup an identity check
    this.keys = keys.stream().map(String::intern).toArray(String[]::new);
    this.indexes = new int[this.keys.length];
    for (int i = 0; i < this.keys.length; i++) {
      indexes[i] = arrayIndex(this.keys[i]);
    }
  }

  /** The {@code var} form: "a.b.1" splits on dots; "" is the whole context. */
  static Path dotted(String path) {
    if (path.isEmpty()) {
      return new Path(List.of());
    }
    return new Path(List.of(path.split("\\.", -1)));
  }

  static int arrayIndex(String key) {
    if (key.isEmpty() || key.length() > 9) {
      return -1;
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
    }
    if (key.length() > 1 && key.charAt(0) == '0') {
      return -1;
    }
    return Integer.parseInt(key);
  }

  /** All keys but the last; this path must not be empty. */
  Path parent() {
    return new Path(List.of(keys).subList(0, keys.length - 1));
  }

  String last() {
    return keys[keys.length - 1];
  }

  int lastIndex() {
    return indexes[indexes.length - 1];
  }

  /** One step of {@link #resolve}: the value at {@code key} (or array {@code index}) or null. */
  static Object child(Object container, String key, int index) {
    if (container instanceof Map<?, ?> map) {
      return map.get(key);
    }
    if (container instanceof List<?> list) {
      return index >= 0 && index < list.size() ? list.get(index) : null;
    }
    return null;
  }

  boolean isEmpty() {
    return keys.length == 0;
  }

  /** The value at this path, or null when any step is absent. */
  Object resolve(Object data) {
    Object current = data;
    for (int i = 0; i < keys.length; i++) {
      if (current instanceof Map<?, ?> map) {
        current = map.get(keys[i]);
      } else if (current instanceof List<?> list) {
        int index = indexes[i];
        current = index >= 0 && index < list.size() ? list.get(index) : null;
      } else {
        return null;
      }
    }
    return current;
  }

  /** Like {@link #resolve} but tells an absent value ({@link #MISSING}) from a present null. */
  Object resolveOrMissing(Object data) {
    Object current = data;
    for (int i = 0; i < keys.length; i++) {
      if (current instanceof Map<?, ?> map) {
        Object next = map.get(keys[i]);
        if (next == null && !map.containsKey(keys[i])) {
          return MISSING;
        }
        current = next;
      } else if (current instanceof List<?> list) {
        int index = indexes[i];
        if (index < 0 || index >= list.size()) {
          return MISSING;
        }
        current = list.get(index);
      } else {
        return MISSING;
      }
    }
    return current;
  }

  /** A path computed at evaluation time: a key, a number, or a list of keys. */
  static Object resolveDynamic(Object data, List<?> segments) {
    Object current = data;
    for (Object segment : segments) {
      if (segment == null) {
        continue;
      }
      current = step(current, segment);
      if (current == MISSING) {
        return MISSING;
      }
    }
    return current;
  }

  static Object step(Object current, Object segment) {
    String key = segment instanceof Number n ? Values.numberText(n) : Values.toText(segment);
    if (current instanceof Map<?, ?> map) {
      Object next = map.get(key);
      return next == null && !map.containsKey(key) ? MISSING : next;
    }
    if (current instanceof List<?> list) {
      int index = arrayIndex(key);
      return index >= 0 && index < list.size() ? list.get(index) : MISSING;
    }
    return MISSING;
  }

  String dotted() {
    return String.join(".", keys);
  }
}
