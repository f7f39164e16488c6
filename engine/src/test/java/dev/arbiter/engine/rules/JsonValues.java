package dev.arbiter.engine.rules;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Test helpers: JSON parsing into plain Java values and numeric-aware deep equality. */
final class JsonValues {
  static final JsonMapper MAPPER = JsonMapper.builder().build();

  /** Parses every integer as BigInteger and every decimal as BigDecimal. */
  static final JsonMapper BIG_MAPPER =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .build();

  private JsonValues() {}

  static Object parse(String json) {
    return MAPPER.readValue(json, Object.class);
  }

  static Object resource(JsonMapper mapper, String name) {
    try (InputStream in = JsonValues.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + name);
      }
      return mapper.readValue(in, Object.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String write(Object value) {
    return MAPPER.writeValueAsString(value);
  }

  /** JSON equality where numbers compare by value ({@code 1} equals {@code 1.0}). */
  static boolean same(Object a, Object b) {
    if (a == null || b == null) {
      return a == b;
    }
    if (a instanceof Number x && b instanceof Number y) {
      return new BigDecimal(x.toString()).compareTo(new BigDecimal(y.toString())) == 0;
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      Iterator<?> i = x.iterator();
      Iterator<?> j = y.iterator();
      while (i.hasNext()) {
        if (!same(i.next(), j.next())) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
      if (!x.keySet().equals(y.keySet())) {
        return false;
      }
      for (Map.Entry<?, ?> e : x.entrySet()) {
        if (!same(e.getValue(), y.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }
}
