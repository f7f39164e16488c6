package dev.arbiter.engine.rules;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON Logic value semantics over plain Java JSON values: truthiness, coercion, equality, ordering
 * and the JavaScript-like text form. Numbers are compared and computed as IEEE doubles, as JSON
 * Logic (a JavaScript language) defines them, with an exact fast path when both sides are integral.
 */
final class Values {
  static final String NAN = "NaN";
  static final String INVALID_ARGUMENTS = "Invalid Arguments";

  /** 2^53: every integer below it in magnitude is exact as a double. */
  private static final double EXACT_LIMIT = 9007199254740992d;

  private Values() {}

  static RuleEvaluationException nan(String message) {
    return new RuleEvaluationException(NAN, message);
  }

  static RuleEvaluationException invalidArguments(String message) {
    return new RuleEvaluationException(INVALID_ARGUMENTS, message);
  }

  // ---------------------------------------------------------------- truthiness

  static boolean truthy(Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    if (v == null) {
      return false;
    }
    if (v instanceof String s) {
      return !s.isEmpty();
    }
    if (v instanceof Integer i) {
      return i != 0;
    }
    if (v instanceof Long l) {
      return l != 0L;
    }
    if (v instanceof Number n) {
      if (n instanceof BigDecimal d) {
        return d.signum() != 0;
      }
      if (n instanceof BigInteger d) {
        return d.signum() != 0;
      }
      double d = n.doubleValue();
      return d != 0d && !Double.isNaN(d);
    }
    if (v instanceof List<?> l) {
      return !l.isEmpty();
    }
    return true;
  }

  // ---------------------------------------------------------------- numbers

  /** Integer, Long, Short or Byte: compared and added exactly as longs. */
  static boolean isIntegral(Object v) {
    return v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte;
  }

  /**
   * JavaScript {@code Number(v)} for scalars; arrays, objects and strings that are not numbers are
   * a {@code NaN} error, as the conformance suite requires.
   */
  static double toNumber(Object v) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v == null) {
      return 0d;
    }
    if (v instanceof Boolean b) {
      return b ? 1d : 0d;
    }
    if (v instanceof String s) {
      double d = parseNumber(s);
      if (Double.isNaN(d)) {
        throw nan("\"" + abbreviate(s) + "\" is not a number");
      }
      return d;
    }
    throw nan(kind(v) + " is not a number");
  }

  /** Whether {@link #toNumber(Object)} succeeds for a constant; used to reject literals early. */
  static boolean isNumeric(Object v) {
    if (v == null || v instanceof Number || v instanceof Boolean) {
      return true;
    }
    return v instanceof String s && !Double.isNaN(parseNumber(s));
  }

  /**
   * JavaScript's {@code StringToNumber}: surrounding white space is ignored, the empty string is 0,
   * decimal literals with an optional exponent, {@code 0x}/{@code 0o}/{@code 0b} integers and
   * {@code Infinity}. Anything else is NaN.
   */
  static double parseNumber(String raw) {
    String s = raw.strip();
    if (s.isEmpty()) {
      return 0d;
    }
    if (s.length() > 2 && s.charAt(0) == '0') {
      char p = Character.toLowerCase(s.charAt(1));
      int radix = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
      if (radix != 0) {
        double value = 0d;
        for (int i = 2; i < s.length(); i++) {
          int digit = Character.digit(s.charAt(i), radix);
          if (digit < 0) {
            return Double.NaN;
          }
          value = value * radix + digit;
        }
        return value;
      }
    }
    int i = 0;
    int n = s.length();
    boolean negative = false;
    if (s.charAt(0) == '+' || s.charAt(0) == '-') {
      negative = s.charAt(0) == '-';
      i++;
    }
    if (s.startsWith("Infinity", i) && i + 8 == n) {
      return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    int digits = 0;
    while (i < n && isDigit(s.charAt(i))) {
      i++;
      digits++;
    }
    if (i < n && s.charAt(i) == '.') {
      i++;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
        digits++;
      }
    }
    if (digits == 0) {
      return Double.NaN;
    }
    if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      int exponentDigits = 0;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
        exponentDigits++;
      }
      if (exponentDigits == 0) {
        return Double.NaN;
      }
    }
    if (i != n) {
      return Double.NaN;
    }
    return Double.parseDouble(s);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /**
   * The JSON value of an arithmetic result: a {@code Long} when it is a whole number that a double
   * holds exactly, otherwise a {@code Double}. Infinite or NaN results are a {@code NaN} error:
   * JSON cannot carry them and the suite expects division by zero to fail.
   */
  static Object number(double d) {
    if (d == (long) d && Math.abs(d) < EXACT_LIMIT) {
      return (long) d;
    }
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw nan("the result is not a finite number");
    }
    return d;
  }

  static boolean numberEquals(Number a, Number b) {
    if (isIntegral(a) && isIntegral(b)) {
      return a.longValue() == b.longValue();
    }
    return a.doubleValue() == b.doubleValue();
  }

  // ---------------------------------------------------------------- equality

  /**
   * {@code ===}: same JSON type and same value; numbers compare by value whatever their Java class;
   * arrays and objects compare by content.
   */
  static boolean strictEquals(Object a, Object b) {
    if (a == b) {
      return true;
    }
    if (a == null || b == null) {
      return false;
    }
    if (a instanceof Number x) {
      return b instanceof Number y && numberEquals(x, y);
    }
    if (a instanceof String || a instanceof Boolean) {
      return a.equals(b);
    }
    if (a instanceof List<?> x) {
      if (!(b instanceof List<?> y) || x.size() != y.size()) {
        return false;
      }
      for (int i = 0; i < x.size(); i++) {
        if (!strictEquals(x.get(i), y.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Map<?, ?> x) {
      if (!(b instanceof Map<?, ?> y) || x.size() != y.size()) {
        return false;
      }
      for (Map.Entry<?, ?> e : x.entrySet()) {
        Object other = y.get(e.getKey());
        if ((other == null && !y.containsKey(e.getKey())) || !strictEquals(e.getValue(), other)) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }

  /**
   * {@code ==}: values of one type compare directly; mixed scalars compare as numbers. Arrays and
   * objects cannot be compared loosely and raise {@code NaN}, as does a mixed comparison with a
   * string that is not a number. {@code null} equals {@code null} and every scalar whose number is
   * 0 ({@code 0}, {@code false}, {@code ""}), and nothing else.
   */
  static boolean looseEquals(Object a, Object b) {
    if (!isScalar(a) || !isScalar(b)) {
      throw nan("cannot compare " + kind(a) + " with " + kind(b));
    }
    if (a == null || b == null) {
      if (a == b) {
        return true;
      }
      Object other = a == null ? b : a;
      if (other instanceof String s) {
        return parseNumber(s) == 0d;
      }
      return toNumber(other) == 0d;
    }
    if (a instanceof Number x && b instanceof Number y) {
      return numberEquals(x, y);
    }
    if (a.getClass() == b.getClass()) {
      return a.equals(b);
    }
    return toNumber(a) == toNumber(b);
  }

  static boolean isScalar(Object v) {
    return v == null || v instanceof String || v instanceof Number || v instanceof Boolean;
  }

  // ---------------------------------------------------------------- ordering

  /** {@code a < b} (or {@code a <= b} when {@code orEqual}) with JSON Logic coercion. */
  static boolean less(Object a, Object b, boolean orEqual) {
    if (isIntegral(a) && isIntegral(b)) {
      long x = ((Number) a).longValue();
      long y = ((Number) b).longValue();
      return orEqual ? x <= y : x < y;
    }
    if (a instanceof String x && b instanceof String y) {
      int c = x.compareTo(y);
      return orEqual ? c <= 0 : c < 0;
    }
    if (!isScalar(a) || !isScalar(b)) {
      throw nan("cannot order " + kind(a) + " and " + kind(b));
    }
    double x = toNumber(a);
    double y = toNumber(b);
    return orEqual ? x <= y : x < y;
  }

  // ---------------------------------------------------------------- text

  /** JavaScript's {@code String(v)}, except that {@code null} is the empty string. */
  static String toText(Object v) {
    StringBuilder out = new StringBuilder();
    appendText(out, v);
    return out.toString();
  }

  static void appendText(StringBuilder out, Object v) {
    if (v == null) {
      return;
    }
    if (v instanceof String s) {
      out.append(s);
    } else if (v instanceof Number n) {
      out.append(numberText(n));
    } else if (v instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        appendText(out, l.get(i));
      }
    } else if (v instanceof Map<?, ?>) {
      out.append("[object Object]");
    } else {
      out.append(v);
    }
  }

  static String numberText(Number n) {
    if (isIntegral(n) || n instanceof BigInteger) {
      return n.toString();
    }
    if (n instanceof BigDecimal d) {
      return d.stripTrailingZeros().toPlainString();
    }
    double d = n.doubleValue();
    if (d == (long) d && Math.abs(d) < 1e21) {
      return Long.toString((long) d);
    }
    return Double.toString(d);
  }

  /** The rule-literal form used by {@link CompiledRule#describe()}: JSON with ", " separators. */
  static void appendJson(StringBuilder out, Object v) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof String s) {
      out.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"' -> out.append("\\\"");
          case '\\' -> out.append("\\\\");
          case '\n' -> out.append("\\n");
          case '\r' -> out.append("\\r");
          case '\t' -> out.append("\\t");
          default -> {
            if (c < 0x20) {
              out.append(String.format("\\u%04x", (int) c));
            } else {
              out.append(c);
            }
          }
        }
      }
      out.append('"');
    } else if (v instanceof Number n) {
      out.append(numberText(n));
    } else if (v instanceof List<?> l) {
      out.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) {
          out.append(", ");
        }
        appendJson(out, l.get(i));
      }
      out.append(']');
    } else if (v instanceof Map<?, ?> m) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) {
          out.append(", ");
        }
        first = false;
        appendJson(out, String.valueOf(e.getKey()));
        out.append(": ");
        appendJson(out, e.getValue());
      }
      out.append('}');
    } else {
      out.append(v);
    }
  }

  static String kind(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof List<?>) {
      return "an array";
    }
    if (v instanceof Map<?, ?>) {
      return "an object";
    }
    if (v instanceof String s) {
      return "\"" + abbreviate(s) + "\"";
    }
    if (v instanceof Number || v instanceof Boolean) {
      return String.valueOf(v);
    }
    return "a " + v.getClass().getSimpleName();
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }

  // ---------------------------------------------------------------- immutability

  /**
   * A deep, unmodifiable copy of a JSON value, so that constants of a compiled rule can be handed
   * out without letting a caller change the rule. Nulls inside arrays and objects are kept.
   */
  static Object freeze(Object v) {
    if (v instanceof List<?> l) {
      List<Object> copy = new ArrayList<>(l.size());
      for (Object e : l) {
        copy.add(freeze(e));
      }
      return Collections.unmodifiableList(copy);
    }
    if (v instanceof Map<?, ?> m) {
      Map<Object, Object> copy = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        copy.put(e.getKey(), freeze(e.getValue()));
      }
      return Collections.unmodifiableMap(copy);
    }
    return v;
  }
}
