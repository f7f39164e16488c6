package dev.arbiter.engine.rules;

import java.util.ArrayList;
import java.util.List;

/** Constants, literal arrays and the operators that read the data: var, val, exists. */
final class DataNodes {
  private DataNodes() {}

  static final class Const extends Node {
    final Object value;
    private final boolean truthy;

    Const(Object value) {
      this.value = Values.freeze(value);
      this.truthy = Values.truthy(this.value);
    }

    @Override
    Object eval(Object data, Scope scope) {
      return value;
    }

    @Override
    boolean test(Object data, Scope scope) {
      return truthy;
    }

    @Override
    boolean isConstant() {
      return true;
    }

    @Override
    void describe(StringBuilder out) {
      Values.appendJson(out, value);
    }
  }

  /** An array literal with at least one operation inside: its elements are evaluated. */
  static final class ArrayLiteral extends Node {
    private final Node[] items;

    ArrayLiteral(Node[] items) {
      this.items = items;
    }

    @Override
    Object eval(Object data, Scope scope) {
      List<Object> out = new ArrayList<>(items.length);
      for (Node item : items) {
        out.add(item.eval(data, scope));
      }
      return out;
    }

    @Override
    boolean test(Object data, Scope scope) {
      return items.length > 0;
    }

    @Override
    void describe(StringBuilder out) {
      out.append('[');
      for (int i = 0; i < items.length; i++) {
        if (i > 0) {
          out.append(", ");
        }
        items[i].describe(out, Node.IF + 1);
      }
      out.append(']');
    }
  }

  /** {@code var} with a path known at compile time. */
  static final class Var extends Node {
    final Path path;
    private final Node fallback;

    Var(Path path, Node fallback) {
      this.path = path;
      this.fallback = fallback;
    }

    /** The path when this is a plain lookup without a default, else null. */
    Path staticPath() {
      return fallback == null ? path : null;
    }

    @Override
    Object eval(Object data, Scope scope) {
      Object value = path.resolve(data);
      if (value == null && fallback != null && path.resolveOrMissing(data) == Path.MISSING) {
        return fallback.eval(data, scope);
      }
      return value;
    }

    @Override
    boolean test(Object data, Scope scope) {
      return Values.truthy(eval(data, scope));
    }

    @Override
    double number(Object data, Scope scope) {
      Object value = eval(data, scope);
      if (value instanceof Integer i) {
        return i;
      }
      return Values.toNumber(value);
    }

    @Override
    void describe(StringBuilder out) {
      String name = path.isEmpty() ? "data" : path.dotted();
      if (fallback == null) {
        out.append(name);
      } else {
        out.append("var(").append(name).append(", ");
        fallback.describe(out, Node.IF + 1);
        out.append(')');
      }
    }
  }

  /** {@code var} whose path is itself computed. */
  static final class DynamicVar extends Node {
    private final Node path;
    private final Node fallback;

    DynamicVar(Node path, Node fallback) {
      this.path = path;
      this.fallback = fallback;
    }

    @Override
    Object eval(Object data, Scope scope) {
      Object p = path.eval(data, scope);
      Object value;
      if (p == null) {
        value = data;
      } else {
        String text = p instanceof Number n ? Values.numberText(n) : Values.toText(p);
        value = text.isEmpty() ? data : Path.dotted(text).resolveOrMissing(data);
      }
      if (value == Path.MISSING) {
        return fallback == null ? null : fallback.eval(data, scope);
      }
      return value;
    }

    @Override
    void describe(StringBuilder out) {
      out.append("var(");
      path.describe(out, Node.IF + 1);
      if (fallback != null) {
        out.append(", ");
        fallback.describe(out, Node.IF + 1);
      }
      out.append(')');
    }
  }

  /** {@code val} with keys known at compile time, optionally climbing to an outer context. */
  static final class Val extends Node {
    private final int climb;
    private final Path path;

    Val(int climb, Path path) {
      this.climb = climb;
      this.path = path;
    }

    /** The path when this reads the current context, else null. */
    Path staticPath() {
      return climb == 0 ? path : null;
    }

    @Override
    Object eval(Object data, Scope scope) {
      Object base = climb == 0 ? data : Scope.climb(data, scope, climb);
      return path.resolve(base);
    }

    @Override
    void describe(StringBuilder out) {
      if (climb > 0) {
        out.append("up(").append(climb).append(')');
        for (String key : path.keys) {
          out.append('.').append(key);
        }
      } else {
        out.append(path.isEmpty() ? "data" : path.dotted());
      }
    }
  }

  /** {@code val} or {@code exists} whose keys are computed. */
  static final class DynamicVal extends Node {
    private final Node[] args;
    private final boolean spread;
    private final boolean exists;

    DynamicVal(Node[] args, boolean spread, boolean exists) {
      this.args = args;
      this.spread = spread;
      this.exists = exists;
    }

    @Override
    Object eval(Object data, Scope scope) {
      List<?> segments;
      if (spread) {
        Object v = args[0].eval(data, scope);
        if (v == null) {
          return exists ? Boolean.TRUE : data;
        }
        segments = v instanceof List<?> l ? l : List.of(v);
      } else {
        List<Object> list = new ArrayList<>(args.length);
        for (Node arg : args) {
          list.add(arg.eval(data, scope));
        }
        segments = list;
      }
      Object base = data;
      int start = 0;
      if (!exists
          && !segments.isEmpty()
          && segments.get(0) instanceof List<?> first
          && first.size() == 1
          && first.get(0) instanceof Number n) {
        base = Scope.climb(data, scope, Math.abs(n.intValue()));
        start = 1;
      }
      Object value = Path.resolveDynamic(base, segments.subList(start, segments.size()));
      if (exists) {
        return value != Path.MISSING;
      }
      return value == Path.MISSING ? null : value;
    }

    @Override
    void describe(StringBuilder out) {
      describeCall(out, exists ? "exists" : "val", args);
    }
  }

  /** {@code exists} with keys known at compile time. */
  static final class Exists extends Node {
    private final Path path;

    Exists(Path path) {
      this.path = path;
    }

    @Override
    Object eval(Object data, Scope scope) {
      return test(data, scope);
    }

    @Override
    boolean test(Object data, Scope scope) {
      return path.resolveOrMissing(data) != Path.MISSING;
    }

    @Override
    void describe(StringBuilder out) {
      out.append("exists(").append(path.isEmpty() ? "data" : path.dotted()).append(')');
    }
  }
}
