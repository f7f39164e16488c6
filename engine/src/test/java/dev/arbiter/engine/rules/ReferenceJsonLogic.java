package dev.arbiter.engine.rules;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A deliberately naive tree-walking JSON Logic interpreter for the property tests: it re-reads the
 * rule on every call and computes every number as a double. It covers the core operators {@code var
 * == === != !== < <= > >= ! !! and or if in + - * / % min max cat} and nothing else, and raises
 * {@link Failure} where JSON Logic raises an error.
 */
final class ReferenceJsonLogic {
  static final class Failure extends RuntimeException {
    final String type;

    Failure(String type) {
      super(type, null, false, false);
      this.type = type;
    }
  }

  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

  private ReferenceJsonLogic() {}

  static Object apply(Object rule, Object data) {
    if (rule instanceof List<?> list) {
      return list.stream().map(r -> apply(r, data)).toList();
    }
    if (!(rule instanceof Map<?, ?> map) || map.isEmpty()) {
      return rule;
    }
    String op = (String) map.keySet().iterator().next();
    Object raw = map.get(op);
    List<?> args = raw instanceof List<?> l ? l : java.util.Collections.singletonList(raw);
    switch (op) {
      case "var":
        return var(args, data);
      case "and":
        {
          Object last = false;
          for (Object a : args) {
            last = apply(a, data);
            if (!truthy(last)) {
              return last;
            }
          }
          return last;
        }
      case "or":
        {
          Object last = false;
          for (Object a : args) {
            last = apply(a, data);
            if (truthy(last)) {
              return last;
            }
          }
          return last;
        }
      case "if":
        {
          int i = 0;
          if (args.size() == 1) {
            return apply(args.get(0), data);
          }
          for (; i + 1 < args.size(); i += 2) {
            if (truthy(apply(args.get(i), data))) {
              return apply(args.get(i + 1), data);
            }
          }
          return i < args.size() ? apply(args.get(i), data) : null;
        }
      case "!":
        return !truthy(args.isEmpty() ? null : apply(args.get(0), data));
      case "!!":
        return truthy(args.isEmpty() ? null : apply(args.get(0), data));
      case "==", "!=", "===", "!==", "<", "<=", ">", ">=":
        {
          if (args.size() < 2) {
            throw new Failure("Invalid Arguments");
          }
          Object left = apply(args.get(0), data);
          for (int i = 1; i < args.size(); i++) {
            Object right = apply(args.get(i), data);
            if (!compare(op, left, right)) {
              return false;
            }
            left = right;
          }
          return true;
        }
      default:
        break;
    }
    Object[] values = args.stream().map(a -> apply(a, data)).toArray();
    switch (op) {
      case "in":
        if (values[1] instanceof List<?> list) {
          return list.stream().anyMatch(item -> strictEquals(values[0], item));
        }
        return values[1] instanceof String s && s.contains(text(values[0]));
      case "cat":
        {
          StringBuilder out = new StringBuilder();
          for (Object v : values) {
            out.append(text(v));
          }
          return out.toString();
        }
      case "min", "max":
        {
          if (values.length == 0) {
            throw new Failure("Invalid Arguments");
          }
          double best = number(values[0]);
          for (Object v : values) {
            double d = number(v);
            best = op.equals("min") ? Math.min(best, d) : Math.max(best, d);
          }
          return best;
        }
      case "+", "*":
        {
          double result = op.equals("+") ? 0 : 1;
          for (Object v : values) {
            result = op.equals("+") ? result + number(v) : result * number(v);
          }
          return finite(result);
        }
      case "-", "/":
        {
          if (values.length == 0) {
            throw new Failure("Invalid Arguments");
          }
          if (values.length == 1) {
            return op.equals("-") ? finite(-number(values[0])) : divide(1, number(values[0]));
          }
          double result = number(values[0]);
          for (int i = 1; i < values.length; i++) {
            result =
                op.equals("-") ? result - number(values[i]) : divide(result, number(values[i]));
          }
          return finite(result);
        }
      case "%":
        {
          if (values.length < 2) {
            throw new Failure("Invalid Arguments");
          }
          double result = number(values[0]);
          for (int i = 1; i < values.length; i++) {
            double d = number(values[i]);
            if (d == 0) {
              throw new Failure("NaN");
            }
            result = result % d;
          }
          return finite(result);
        }
      default:
        throw new IllegalArgumentException("not in the reference subset: " + op);
    }
  }

  private static double divide(double a, double b) {
    if (b == 0) {
      throw new Failure("NaN");
    }
    return finite(a / b);
  }

  private static double finite(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw new Failure("NaN");
    }
    return d;
  }

  private static Object var(List<?> args, Object data) {
    Object path = args.isEmpty() ? null : apply(args.get(0), data);
    if (path == null || "".equals(path)) {
      return data;
    }
    Object current = data;
    for (String key : text(path).split("\\.", -1)) {
      if (current instanceof Map<?, ?> map && map.containsKey(key)) {
        current = map.get(key);
      } else if (current instanceof List<?> list
          && key.matches("0|[1-9]\\d{0,8}")
          && Integer.parseInt(key) < list.size()) {
        current = list.get(Integer.parseInt(key));
      } else {
        return args.size() > 1 ? apply(args.get(1), data) : null;
      }
    }
    return current;
  }

  static boolean truthy(Object v) {
    if (v == null) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Number n) {
      return n.doubleValue() != 0 && !Double.isNaN(n.doubleValue());
    }
    if (v instanceof String s) {
      return !s.isEmpty();
    }
    if (v instanceof List<?> l) {
      return !l.isEmpty();
    }
    return true;
  }

  private static boolean scalar(Object v) {
    return v == null || v instanceof Boolean || v instanceof Number || v instanceof String;
  }

  static double number(Object v) {
    if (v == null) {
      return 0;
    }
    if (v instanceof Boolean b) {
      return b ? 1 : 0;
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof String s) {
      String t = s.strip();
      if (t.isEmpty()) {
        return 0;
      }
      if (DECIMAL.matcher(t).matches()) {
        return Double.parseDouble(t);
      }
    }
    throw new Failure("NaN");
  }

  private static boolean isNumber(String s) {
    try {
      number(s);
      return true;
    } catch (Failure e) {
      return false;
    }
  }

  private static boolean compare(String op, Object a, Object b) {
    switch (op) {
      case "===":
        return strictEquals(a, b);
      case "!==":
        return !strictEquals(a, b);
      case "==":
        return looseEquals(a, b);
      case "!=":
        return !looseEquals(a, b);
      default:
        break;
    }
    int c;
    if (a instanceof String x && b instanceof String y) {
      c = Integer.signum(x.compareTo(y));
    } else {
      if (!scalar(a) || !scalar(b)) {
        throw new Failure("NaN");
      }
      double x = number(a);
      double y = number(b);
      if (Double.isNaN(x) || Double.isNaN(y)) {
        return false;
      }
      c = x < y ? -1 : x == y ? 0 : 1;
    }
    return switch (op) {
      case "<" -> c < 0;
      case "<=" -> c <= 0;
      case ">" -> c > 0;
      default -> c >= 0;
    };
  }

  private static boolean looseEquals(Object a, Object b) {
    if (!scalar(a) || !scalar(b)) {
      throw new Failure("NaN");
    }
    if (a == null && b == null) {
      return true;
    }
    if (a == null || b == null) {
      Object other = a == null ? b : a;
      return (!(other instanceof String s) || isNumber(s)) && number(other) == 0;
    }
    if (a instanceof String && b instanceof String
        || a instanceof Boolean && b instanceof Boolean) {
      return a.equals(b);
    }
    return number(a) == number(b);
  }

  static boolean strictEquals(Object a, Object b) {
    if (a == null || b == null) {
      return a == b;
    }
    if (a instanceof Number x && b instanceof Number y) {
      return x.doubleValue() == y.doubleValue();
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (int i = 0; i < x.size(); i++) {
        if (!strictEquals(x.get(i), y.get(i))) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }

  static String text(Object v) {
    if (v == null) {
      return "";
    }
    if (v instanceof Number n) {
      double d = n.doubleValue();
      return d == Math.rint(d) && Math.abs(d) < 1e21 ? Long.toString((long) d) : Double.toString(d);
    }
    if (v instanceof List<?> l) {
      return String.join(",", l.stream().map(ReferenceJsonLogic::text).toList());
    }
    if (v instanceof Map<?, ?>) {
      return "[object Object]";
    }
    return v.toString();
  }
}
