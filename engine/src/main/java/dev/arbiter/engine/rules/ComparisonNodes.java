package dev.arbiter.engine.rules;

import java.util.List;

/** Equality, ordering and membership, with specialised nodes for a data path against a constant. */
final class ComparisonNodes {
  private ComparisonNodes() {}

  enum Op {
    EQ("=="),
    NE("!="),
    STRICT_EQ("==="),
    STRICT_NE("!=="),
    LT("<"),
    LE("<="),
    GT(">"),
    GE(">=");

    final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }

    static Op of(String symbol) {
      for (Op op : values()) {
        if (op.symbol.equals(symbol)) {
          return op;
        }
      }
      throw new IllegalArgumentException(symbol);
    }

    boolean isOrdering() {
      return this == LT || this == LE || this == GT || this == GE;
    }

    boolean isLoose() {
      return this == EQ || this == NE;
    }

    /** The operator with its operands swapped: {@code a < b} is {@code b > a}. */
    Op flipped() {
      return switch (this) {
        case LT -> GT;
        case LE -> GE;
        case GT -> LT;
        case GE -> LE;
        default -> this;
      };
    }

    boolean apply(Object a, Object b) {
      return switch (this) {
        case EQ -> Values.looseEquals(a, b);
        case NE -> !Values.looseEquals(a, b);
        case STRICT_EQ -> Values.strictEquals(a, b);
        case STRICT_NE -> !Values.strictEquals(a, b);
        case LT -> Values.less(a, b, false);
        case LE -> Values.less(a, b, true);
        case GT -> Values.less(b, a, false);
        case GE -> Values.less(b, a, true);
      };
    }

    boolean compare(long a, long b) {
      return switch (this) {
        case EQ, STRICT_EQ -> a == b;
        case NE, STRICT_NE -> a != b;
        case LT -> a < b;
        case LE -> a <= b;
        case GT -> a > b;
        case GE -> a >= b;
      };
    }

    boolean compare(double a, double b) {
      return switch (this) {
        case EQ, STRICT_EQ -> a == b;
        case NE, STRICT_NE -> a != b;
        case LT -> a < b;
        case LE -> a <= b;
        case GT -> a > b;
        case GE -> a >= b;
      };
    }
  }

  abstract static class Comparison extends Node {
    @Override
    final Object eval(Object data, Scope scope) {
      return test(data, scope);
    }

    @Override
    int precedence() {
      return COMPARISON;
    }
  }

  /** {@code a op b op c ...}: every adjacent pair must hold; stops at the first that does not. */
  static final class Chain extends Comparison {
    private final Op op;
    private final Node[] args;

    Chain(Op op, Node[] args) {
      this.op = op;
      this.args = args;
    }

    @Override
    boolean test(Object data, Scope scope) {
      Object left = args[0].eval(data, scope);
      for (int i = 1; i < args.length; i++) {
        Object right = args[i].eval(data, scope);
        if (!op.apply(left, right)) {
          return false;
        }
        left = right;
      }
      return true;
    }

    @Override
    void describe(StringBuilder out) {
      for (int i = 0; i < args.length; i++) {
        if (i > 0) {
          out.append(' ').append(op.symbol).append(' ');
        }
        args[i].describe(out, COMPARISON + 1);
      }
    }
  }

  /** A comparison of two operands whose description keeps the rule's order. */
  abstract static class Binary extends Comparison {
    final Op op;
    private final Node left;
    private final Node right;

    Binary(Op op, Node left, Node right) {
      this.op = op;
      this.left = left;
      this.right = right;
    }

    @Override
    void describe(StringBuilder out) {
      left.describe(out, COMPARISON + 1);
      out.append(' ').append(op.symbol).append(' ');
      right.describe(out, COMPARISON + 1);
    }
  }

  static final class Generic extends Binary {
    private final Node a;
    private final Node b;

    Generic(Op op, Node a, Node b) {
      super(op, a, b);
      this.a = a;
      this.b = b;
    }

    @Override
    boolean test(Object data, Scope scope) {
      return op.apply(a.eval(data, scope), b.eval(data, scope));
    }
  }

  /**
   * An ordering or equality of an arithmetic result against a number constant or another arithmetic
   * result: both sides are numbers, so the comparison is of unboxed doubles.
   */
  static final class Numeric extends Binary {
    private final Node a;
    private final Node b;

    Numeric(Op op, Node a, Node b) {
      super(op, a, b);
      this.a = a;
      this.b = b;
    }

    @Override
    boolean test(Object data, Scope scope) {
      return op.compare(a.number(data, scope), b.number(data, scope));
    }
  }

  /**
   * A data path against a number constant. Integral values against an integral constant test a
   * precomputed range (no switch); doubles compare unboxed; anything else takes the generic path.
   */
  static final class PathVersusNumber extends Binary {
    private final Op normalized;
    private final Path path;
    private final Number constant;
    private final boolean integral;
    private final double asDouble;
    private final long low;
    private final long high;
    private final boolean outside;

    /** {@code normalized} is the operator with the path on its left. */
    PathVersusNumber(
        Op original, Node left, Node right, Op normalized, Path path, Number constant) {
      super(original, left, right);
      this.normalized = normalized;
      this.path = path;
      this.constant = constant;
      this.integral = Values.isIntegral(constant);
      this.asDouble = constant.doubleValue();
      long c = constant.longValue();
      long lo = Long.MIN_VALUE;
      long hi = Long.MAX_VALUE;
      boolean out = false;
      switch (normalized) {
        case GE -> lo = c;
        case GT -> {
          lo = c == Long.MAX_VALUE ? 1 : c + 1;
          hi = c == Long.MAX_VALUE ? 0 : hi;
        }
        case LE -> hi = c;
        case LT -> {
          hi = c == Long.MIN_VALUE ? 0 : c - 1;
          lo = c == Long.MIN_VALUE ? 1 : lo;
        }
        case EQ, STRICT_EQ -> {
          lo = c;
          hi = c;
        }
        case NE, STRICT_NE -> {
          lo = c;
          hi = c;
          out = true;
        }
      }
      this.low = lo;
      this.high = hi;
      this.outside = out;
    }

    Path path() {
      return path;
    }

    @Override
    boolean test(Object data, Scope scope) {
      return testValue(path.resolve(data));
    }

    boolean testValue(Object value) {
      if (integral) {
        if (value instanceof Integer i) {
          return inRange(i);
        }
        if (value instanceof Long l) {
          return inRange(l);
        }
      }
      if (value instanceof Double d) {
        return normalized.compare(d.doubleValue(), asDouble);
      }
      if (value instanceof Integer i) {
        return normalized.compare(i.doubleValue(), asDouble);
      }
      return normalized.apply(value, constant);
    }

    boolean integral() {
      return integral;
    }

    long low() {
      return low;
    }

    long high() {
      return high;
    }

    boolean outside() {
      return outside;
    }

    private boolean inRange(long x) {
      return (x >= low && x <= high) != outside;
    }
  }

  /** A data path against a string constant with {@code ==}, {@code ===} and their negations. */
  static final class PathEqualsString extends Binary {
    private final Path path;
    private final String constant;
    private final boolean negate;

    PathEqualsString(Op op, Node left, Node right, Path path, String constant) {
      super(op, left, right);
      this.path = path;
      this.constant = constant;
      this.negate = op == Op.NE || op == Op.STRICT_NE;
    }

    String constant() {
      return constant;
    }

    boolean negated() {
      return negate;
    }

    Path path() {
      return path;
    }

    @Override
    boolean test(Object data, Scope scope) {
      return testValue(path.resolve(data));
    }

    boolean testValue(Object value) {
      if (value instanceof String s) {
        return s.equals(constant) != negate;
      }
      return op.apply(value, constant);
    }
  }

  /** {@code in}: membership in an array (strict equality) or substring of a string. */
  static final class In extends Comparison {
    private final Node needle;
    private final Node haystack;

    In(Node needle, Node haystack) {
      this.needle = needle;
      this.haystack = haystack;
    }

    @Override
    boolean test(Object data, Scope scope) {
      return contains(needle.eval(data, scope), haystack.eval(data, scope));
    }

    static boolean contains(Object needle, Object haystack) {
      if (haystack instanceof List<?> list) {
        for (Object item : list) {
          if (Values.strictEquals(needle, item)) {
            return true;
          }
        }
        return false;
      }
      if (haystack instanceof String s) {
        return s.contains(Values.toText(needle));
      }
      return false;
    }

    @Override
    void describe(StringBuilder out) {
      needle.describe(out, COMPARISON + 1);
      out.append(" in ");
      haystack.describe(out, COMPARISON + 1);
    }
  }

  /** {@code in} against a constant array of strings: no boxing, no coercion on the common path. */
  static final class InStrings extends Comparison {
    private final Node needle;
    private final Node haystack;
    private final String[] strings;
    private final List<?> list;

    InStrings(Node needle, DataNodes.Const haystack) {
      this.needle = needle;
      this.haystack = haystack;
      this.list = (List<?>) haystack.value;
      // interned, like every string constant compared with a path: see PathTable#canonical
      this.strings = list.stream().map(x -> ((String) x).intern()).toArray(String[]::new);
    }

    Node needle() {
      return needle;
    }

    String[] strings() {
      return strings.clone();
    }

    @Override
    boolean test(Object data, Scope scope) {
      return testValue(needle.eval(data, scope));
    }

    boolean testValue(Object value) {
      if (value instanceof String s) {
        for (String candidate : strings) {
          if (candidate.equals(s)) {
            return true;
          }
        }
        return false;
      }
      return In.contains(value, list);
    }

    @Override
    void describe(StringBuilder out) {
      needle.describe(out, COMPARISON + 1);
      out.append(" in ");
      haystack.describe(out, COMPARISON + 1);
    }
  }
}
