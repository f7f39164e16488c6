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
}
