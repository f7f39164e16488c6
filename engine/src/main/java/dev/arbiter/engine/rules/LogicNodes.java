package dev.arbiter.engine.rules;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Boolean logic and control flow: and, or, !, !!, if, ??, try, throw. */
final class LogicNodes {
  private LogicNodes() {}

  static final class And extends Node {
    private final Node[] args;

    And(Node[] args) {
      this.args = args;
    }

    @Override
    Object eval(Object data, Scope scope) {
      if (args.length == 0) {
        return Boolean.FALSE;
      }
      Object value = null;
      for (Node arg : args) {
        value = arg.eval(data, scope);
        if (!Values.truthy(value)) {
          return value;
        }
      }
      return value;
    }

    @Override
    boolean test(Object data, Scope scope) {
      for (Node arg : args) {
        if (!arg.test(data, scope)) {
          return false;
        }
      }
      return args.length > 0;
    }

    @Override
    int precedence() {
      return args.length < 2 ? ATOM : AND;
    }

    @Override
    void describe(StringBuilder out) {
      if (args.length < 2) {
        describeCall(out, "and", args);
        return;
      }
      for (int i = 0; i < args.length; i++) {
        if (i > 0) {
          out.append(" and ");
        }
        args[i].describe(out, AND + 1);
      }
    }
  }

  static final class Or extends Node {
    private final Node[] args;

    Or(Node[] args) {
      this.args = args;
    }

    @Override
    Object eval(Object data, Scope scope) {
      if (args.length == 0) {
        return Boolean.FALSE;
      }
      Object value = null;
      for (Node arg : args) {
        value = arg.eval(data, scope);
        if (Values.truthy(value)) {
          return value;
        }
      }
      return value;
    }

    @Override
    boolean test(Object data, Scope scope) {
      for (Node arg : args) {
        if (arg.test(data, scope)) {
          return true;
        }
      }
      return false;
    }

    @Override
    int precedence() {
      return args.length < 2 ? ATOM : OR;
    }

    @Override
    void describe(StringBuilder out) {
      if (args.length < 2) {
        describeCall(out, "or", args);
        return;
      }
      for (int i = 0; i < args.length; i++) {
        if (i > 0) {
          out.append(" or ");
        }
        args[i].describe(out, AND + 1);
      }
    }
  }

  /** {@code !} (negate) and {@code !!} (truthiness). */
  static final class Not extends Node {
    private final Node arg;
    private final boolean negate;

    Not(Node arg, boolean negate) {
      this.arg = arg;
      this.negate = negate;
    }

    Node arg() {
      return arg;
    }

    boolean negates() {
      return negate;
    }

    @Override
    Object eval(Object data, Scope scope) {
      return test(data, scope);
    }

    @Override
    boolean test(Object data, Scope scope) {
      return arg.test(data, scope) != negate;
    }

    @Override
    int precedence() {
      return negate ? NOT : ATOM;
    }

    @Override
    void describe(StringBuilder out) {
      if (negate) {
        out.append("not ");
        arg.describe(out, COMPARISON + 1);
      } else {
        out.append("truthy(");
        arg.describe(out, IF + 1);
        out.append(')');
      }
    }
  }

  /** {@code if} and {@code ?:}: condition, then, [condition, then]..., [else]. */
  static final class If extends Node {
    private final Node[] args;

    If(Node[] args) {
      this.args = args;
    }

    @Override
    Object eval(Object data, Scope scope) {
      int n = args.length;
      if (n == 1) {
        return args[0].eval(data, scope);
      }
      int i = 0;
      for (; i + 1 < n; i += 2) {
        if (args[i].test(data, scope)) {
          return args[i + 1].eval(data, scope);
        }
      }
      return i < n ? args[i].eval(data, scope) : null;
    }

    @Override
    int precedence() {
      return args.length < 2 ? ATOM : IF;
    }

    @Override
    void describe(StringBuilder out) {
      int n = args.length;
      if (n < 2) {
        describeCall(out, "if", args);
        return;
      }
      int i = 0;
      for (; i + 1 < n; i += 2) {
        out.append(i == 0 ? "if " : " else if ");
        args[i].describe(out, IF + 1);
        out.append(" then ");
        args[i + 1].describe(out, IF + 1);
      }
      if (i < n) {
        out.append(" else ");
        args[i].describe(out, IF + 1);
      }
    }
  }

  /** {@code ??}: the first argument that is not null. */
  static final class Coalesce extends Node {
    private final Node[] args;
    private final boolean spread;

    Coalesce(Node[] args, boolean spread) {
      this.args = args;
      this.spread = spread;
    }

    @Override
    Object eval(Object data, Scope scope) {
      if (spread) {
        Object v = args[0].eval(data, scope);
        if (!(v instanceof List<?> list)) {
          return v;
        }
        for (Object item : list) {
          if (item != null) {
            return item;
          }
        }
        return null;
      }
      for (Node arg : args) {
        Object v = arg.eval(data, scope);
        if (v != null) {
          return v;
        }
      }
      return null;
    }

    @Override
    int precedence() {
      return args.length < 2 ? ATOM : IF + 1;
    }

    @Override
    void describe(StringBuilder out) {
      if (args.length < 2 || spread) {
        describeCall(out, "coalesce", args);
        return;
      }
      for (int i = 0; i < args.length; i++) {
        if (i > 0) {
          out.append(" ?? ");
        }
        args[i].describe(out, IF + 2);
      }
    }
  }

  /**
   * {@code try}: the first argument that does not raise an error. After an error, the next argument
   * is evaluated with the error ({@code {"type": ...}}) as its context.
   */
  static final class Try extends Node {
    private final Node[] args;

    Try(Node[] args) {
      this.args = args;
    }

    @Override
    Object eval(Object data, Scope scope) {
      RuleEvaluationException last = null;
      for (Node arg : args) {
        try {
          if (last == null) {
            return arg.eval(data, scope);
          }
          return arg.eval(last.error(), Scope.of(null, data, scope));
        } catch (RuleEvaluationException e) {
          last = e;
        }
      }
      if (last == null) {
        return null;
      }
      throw last;
    }

    @Override
    void describe(StringBuilder out) {
      describeCall(out, "try", args);
    }
  }

  /** {@code throw}: raises an error whose type is the argument, or the argument's "type". */
  static final class Throw extends Node {
    private final Node arg;

    Throw(Node arg) {
      this.arg = arg;
    }

    @Override
    Object eval(Object data, Scope scope) {
      Object value = arg.eval(data, scope);
      if (value instanceof Map<?, ?> map) {
        Object type = map.get("type");
        throw new RuleEvaluationException(type, "rule raised " + Values.kind(type), map);
      }
      Map<String, Object> error = new HashMap<>();
      error.put("type", value);
      throw new RuleEvaluationException(value, "rule raised " + Values.kind(value), error);
    }

    @Override
    void describe(StringBuilder out) {
      out.append("throw(");
      arg.describe(out, IF + 1);
      out.append(')');
    }
  }
}
