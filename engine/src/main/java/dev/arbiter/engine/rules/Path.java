package dev.arbiter.engine.rules;

import java.util.List;
import java.util.Map;

/**
 * A data path resolved once at compile time: its keys, and for each key the array index it names
 * (or -1), so that evaluation does no string splitting or number parsing.
 */
final class Path {
  static final Object MISSING = new Object();

  /** Evaluations during which a path learns the key instances its data uses. */
  static final int LEARNING_EVALUATIONS = 64;

  /** Maps larger than this are not searched for key instances. */
  private static final int LEARNING_MAX_MAP_SIZE = 64;

  final String[] keys;
  private final int[] indexes;

  /**
   * For each key, an equal {@code String}: at first the interned key, then the instance the data's
   * maps use. JSON parsers canonicalise property names (Jackson keeps one instance per name per
   * mapper; with interning, the interned one), so once learned, a {@code Map.get} finds its key by
   * identity instead of comparing characters. Written without synchronisation: every value ever
   * stored equals the key, so a thread that sees an older one still finds the same entry.
   */
  private final String[] lookupKeys;

  private int learnings;

  /**
   * The table this path was compiled into and its slot there (-1: none); set by {@link
   * PathTable#assign} before the rule is published, never changed after.
   */
  PathTable table;

  int slot = -1;

  Path(List<String> keys) {
    this.keys = keys.stream().map(String::intern).toArray(String[]::new);
    this.lookupKeys = this.keys.clone();
    this.indexes = new int[this.keys.length];
    for (int i = 0; i < this.keys.length; i++) {
      indexes[i] = arrayIndex(this.keys[i]);
    }
  }

  /** The key to look step {@code i} up with; equal to {@code keys[i]}. */
  String lookupKey(int i) {
    return lookupKeys[i];
  }

  /**
   * During a path's first {@link #LEARNING_EVALUATIONS} evaluations, records the key instances of
   * {@code data}'s maps along this path. The counter is racy on purpose: a few more or fewer
   * learning passes change nothing but speed.
   */
  void learn(Object data) {
    if (learnings >= LEARNING_EVALUATIONS) {
      return;
    }
    learnings++;
    Object current = data;
    for (int i = 0; i < keys.length; i++) {
      if (current instanceof Map<?, ?> map) {
        learnKey(map, i);
        current = map.get(keys[i]);
      } else if (current instanceof List<?> list) {
        int index = indexes[i];
        current = index >= 0 && index < list.size() ? list.get(index) : null;
      } else {
        return;
      }
    }
  }

  /** Records the instance of key {@code i} that {@code map} uses, when it is small enough. */
  private void learnKey(Map<?, ?> map, int i) {
    if (map.size() <= LEARNING_MAX_MAP_SIZE) {
      for (Object key : map.keySet()) {
        if (key instanceof String s && s.equals(keys[i])) {
          lookupKeys[i] = s;
          return;
        }
      }
    }
  }

  boolean isLearning() {
    return learnings < LEARNING_EVALUATIONS;
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

  int indexAt(int i) {
    return indexes[i];
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
    if (slot >= 0 && data instanceof BoundData b && b.table == table) {
      return b.value(slot);
    }
    if (learnings < LEARNING_EVALUATIONS) {
      learn(data);
    }
    Object current = data;
    for (int i = 0; i < keys.length; i++) {
      if (current instanceof Map<?, ?> map) {
        current = map.get(lookupKeys[i]);
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
    if (slot >= 0 && data instanceof BoundData b && b.table == table) {
      return b.slot(slot);
    }
    return walkOrMissing(data);
  }

  /** {@link #resolveOrMissing} by walking the data, never reading slots. */
  Object walkOrMissing(Object data) {
    boolean learning = learnings < LEARNING_EVALUATIONS;
    if (learning) {
      learnings++;
    }
    Object current = data;
    for (int i = 0; i < keys.length; i++) {
      if (current instanceof Map<?, ?> map) {
        if (learning) {
          learnKey(map, i);
        }
        Object next = map.get(lookupKeys[i]);
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
