package dev.arbiter.engine.catalog;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deep, unmodifiable copies of parsed JSON, so a snapshot cannot be changed through its content.
 */
final class FrozenJson {
  private FrozenJson() {}

  static Map<String, Object> freezeObject(Map<String, ?> map) {
    if (map == null || map.isEmpty()) {
      return Map.of();
    }
    Map<String, Object> copy = new LinkedHashMap<>();
    for (Map.Entry<String, ?> e : map.entrySet()) {
      copy.put(e.getKey(), freeze(e.getValue()));
    }
    return Collections.unmodifiableMap(copy);
  }

  @SuppressWarnings("unchecked")
  static Object freeze(Object value) {
    if (value instanceof Map<?, ?> map) {
      return freezeObject((Map<String, ?>) map);
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>(list.size());
      for (Object item : list) {
        copy.add(freeze(item));
      }
      return Collections.unmodifiableList(copy);
    }
    return value;
  }

  /**
   * Like {@link #freeze} but into the JDK's compact immutable collections where the values allow it
   * (no nulls): lookups in them touch fewer objects, which matters for data rules read per offer.
   * Key order is not kept.
   */
  static Object compact(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      boolean nulls = false;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        Object v = compact(e.getValue());
        nulls |= v == null;
        copy.put((String) e.getKey(), v);
      }
      return nulls ? Collections.unmodifiableMap(copy) : Map.copyOf(copy);
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>(list.size());
      boolean nulls = false;
      for (Object item : list) {
        Object v = compact(item);
        nulls |= v == null;
        copy.add(v);
      }
      return nulls ? Collections.unmodifiableList(copy) : List.copyOf(copy);
    }
    return value;
  }
}
