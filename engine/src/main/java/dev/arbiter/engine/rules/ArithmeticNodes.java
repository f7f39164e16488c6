package dev.arbiter.engine.rules;

import java.util.List;

/**
 * {@code + - * / % min max}. Integral operands (Integer, Long, Short, Byte) are computed exactly as
 * longs and fall back to doubles on overflow or an inexact quotient; every other operand is coerced
 * to a double as JSON Logic does. Results are normalised by {@link Values#number(double)}.
 */
final class ArithmeticNodes {
  private ArithmeticNodes() {}

  enum Kind {
    ADD("+", Node.ADDITIVE),
    SUB("-", Node.ADDITIVE),
    MUL("*", Node.MULTIPLICATIVE),
    DIV("/", Node.MULTIPLICATIVE),
    MOD("%", Node.MULTIPLICATIVE),
    MIN("min", Node.ATOM),
    MAX("max", Node.ATOM);

    final String symbol;
    final int precedence;

    Kind(String symbol, int precedence) {
      this.symbol = symbol;
      this.precedence = precedence;
    }

    /** The fewest operands the operator accepts. */
    int minimumArity() {
      return switch (this) {
        case ADD, MUL -> 0;
        case SUB, DIV, MIN, MAX -> 1;
        case MOD -> 2;
      };
    }

    boolean isInfix() {
      return precedence != Node.ATOM;
    }
  }

  static final class Arithmetic extends Node {
    private final Kind kind;
    private final Node[] args;
    private final boolean spread;

    /**
     * @param spread {@code args} is one operation whose value, when it is an array, is the list of
     *     operands
     */
    Arithmetic(Kind kind, Node[] args, boolean spread) {
      this.kind = kind;
      this.args = args;
      this.spread = spread;
    }

    @Override
    Object eval(Object data, Scope scope) {
      if (spread) {
        Object v = args[0].eval(data, scope);
        if (v instanceof List<?> list) {
          return apply(kind, list.toArray());
        }
        return apply(kind, new Object[] {v});
      }
      if (args.length == 2) {
        return binary(kind, args[0].eval(data, scope), args[1].eval(data, scope));
      }
      Object[] values = new Object[args.length];
      for (int i = 0; i < values.length; i++) {
        values[i] = args[i].eval(data, scope);
      }
      return apply(kind, values);
    }

    /** Whether {@link #number} computes without boxing: two operands of + - * /. */
    boolean isBinaryFast() {
      return !spread
          && args.length == 2
          && (kind == Kind.ADD || kind == Kind.SUB || kind == Kind.MUL || kind == Kind.DIV);
    }

    @Override
    double number(Object data, Scope scope) {
      if (!isBinaryFast()) {
        return Values.toNumber(eval(data, scope));
      }
      double x = args[0].number(data, scope);
      double y = args[1].number(data, scope);
      double r;
      switch (kind) {
        case ADD -> r = x + y;
        case SUB -> r = x - y;
        case MUL -> r = x * y;
        default -> {
          if (y == 0d) {
            throw Values.nan("division by zero");
          }
          r = x / y;
        }
      }
      if (Double.isNaN(r) || Double.isInfinite(r)) {
        throw Values.nan("the result is not a finite number");
      }
      return r;
    }

    @Override
    int precedence() {
      if (spread || !kind.isInfix() || args.length < 2) {
        return args.length == 1 && !spread && kind == Kind.SUB ? UNARY : ATOM;
      }
      return kind.precedence;
    }

    @Override
    void describe(StringBuilder out) {
      if (spread || !kind.isInfix()) {
        describeCall(out, spread ? kind.symbol + "*" : kind.symbol, args);
        return;
      }
      switch (args.length) {
        case 0 -> out.append(kind == Kind.MUL ? "1" : "0");
        case 1 -> {
          switch (kind) {
            case SUB -> {
              out.append('-');
              args[0].describe(out, UNARY);
            }
            case DIV -> {
              out.append("(1 / ");
              args[0].describe(out, MULTIPLICATIVE + 1);
              out.append(')');
            }
            default -> describeCall(out, "number", args);
          }
        }
        default -> {
          for (int i = 0; i < args.length; i++) {
            if (i > 0) {
              out.append(' ').append(kind.symbol).append(' ');
            }
            args[i].describe(out, i == 0 ? kind.precedence : kind.precedence + 1);
          }
        }
      }
    }
  }

  static Object apply(Kind kind, Object[] values) {
    int n = values.length;
    if (n < kind.minimumArity()) {
      throw Values.invalidArguments(
          kind.symbol + " needs at least " + kind.minimumArity() + " operand(s), got " + n);
    }
    if (n == 0) {
      return kind == Kind.MUL ? 1L : 0L;
    }
    if (n == 1) {
      Object v = values[0];
      return switch (kind) {
        case SUB -> binary(Kind.SUB, 0L, v);
        case DIV -> binary(Kind.DIV, 1L, v);
        default -> asNumber(v);
      };
    }
    Object result = values[0];
    for (int i = 1; i < n; i++) {
      result = binary(kind, result, values[i]);
    }
    return result;
  }

  private static Object asNumber(Object v) {
    if (v instanceof Number n && (Values.isIntegral(n) || Double.isFinite(n.doubleValue()))) {
      return Values.isIntegral(n) ? n.longValue() : Values.number(n.doubleValue());
    }
    return Values.number(Values.toNumber(v));
  }

  static Object binary(Kind kind, Object a, Object b) {
    if (Values.isIntegral(a) && Values.isIntegral(b)) {
      long x = ((Number) a).longValue();
      long y = ((Number) b).longValue();
      switch (kind) {
        case ADD -> {
          long r = x + y;
          if (((x ^ r) & (y ^ r)) >= 0) {
            return r;
          }
        }
        case SUB -> {
          long r = x - y;
          if (((x ^ y) & (x ^ r)) >= 0) {
            return r;
          }
        }
        case MUL -> {
          long hi = Math.multiplyHigh(x, y);
          long lo = x * y;
          if ((hi == 0 && lo >= 0) || (hi == -1 && lo < 0)) {
            return lo;
          }
        }
        case DIV -> {
          if (y == 0) {
            throw Values.nan("division by zero");
          }
          if (y != -1 && x % y == 0) {
            return x / y;
          }
        }
        case MOD -> {
          if (y == 0) {
            throw Values.nan("remainder of a division by zero");
          }
          return y == -1 ? 0L : x % y;
        }
        case MIN -> {
          return Math.min(x, y);
        }
        case MAX -> {
          return Math.max(x, y);
        }
      }
    }
    double x = Values.toNumber(a);
    double y = Values.toNumber(b);
    return switch (kind) {
      case ADD -> Values.number(x + y);
      case SUB -> Values.number(x - y);
      case MUL -> Values.number(x * y);
      case DIV -> {
        if (y == 0d) {
          throw Values.nan("division by zero");
        }
        yield Values.number(x / y);
      }
      case MOD -> {
        if (y == 0d) {
          throw Values.nan("remainder of a division by zero");
        }
        yield Values.number(x % y);
      }
      case MIN -> x <= y ? asNumber(a) : asNumber(b);
      case MAX -> x >= y ? asNumber(a) : asNumber(b);
    };
  }
}
