package dev.arbiter.engine.rules;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Operators over strings and arrays: cat, substr, merge, missing, missing_some, and the iterators
 * map, filter, reduce, all, some, none.
 */
final class CollectionNodes {
  private CollectionNodes() {}

  /** An operator that evaluates all its operands first; a single operation may supply them all. */
  abstract static class Eager extends Node {
    final String name;
    final Node[] args;
    private final boolean spread;

    Eager(String name, Node[] args, boolean spread) {
      this.name = name;
      this.args = args;
      this.spread = spread;
    }

    @Override
    final Object eval(Object data, Scope scope) {
      if (spread) {
        Object v = args[0].eval(data, scope);
        return apply(v instanceof List<?> list ? list : Arrays.asList(v), data);
      }
      Object[] values = new Object[args.length];
      for (int i = 0; i < values.length; i++) {
        values[i] = args[i].eval(data, scope);
      }
      return apply(Arrays.asList(values), data);
    }

    abstract Object apply(List<?> values, Object data);

    @Override
    void describe(StringBuilder out) {
      describeCall(out, name, args);
    }
  }

  static final class Cat extends Eager {
    Cat(Node[] args, boolean spread) {
      super("cat", args, spread);
    }

    @Override
    Object apply(List<?> values, Object data) {
      StringBuilder out = new StringBuilder();
      for (Object v : values) {
        Values.appendText(out, v);
      }
      return out.toString();
    }
  }

  /** {@code substr}: JavaScript's {@code substr}, where a negative length counts from the end. */
  static final class Substr extends Eager {
    Substr(Node[] args, boolean spread) {
      super("substr", args, spread);
    }

    @Override
    Object apply(List<?> values, Object data) {
      if (values.size() < 2 || values.size() > 3) {
        throw Values.invalidArguments("substr needs a string, a start and an optional length");
      }
      String s = Values.toText(values.get(0));
      int n = s.length();
      int start = integer(values.get(1));
      start = start < 0 ? Math.max(0, n + start) : Math.min(start, n);
      int end = n;
      if (values.size() == 3 && values.get(2) != null) {
        int length = integer(values.get(2));
        end = length < 0 ? Math.max(start, n + length) : (int) Math.min((long) start + length, n);
      }
      return s.substring(start, Math.max(start, end));
    }

    private static int integer(Object v) {
      double d = Values.toNumber(v);
      if (d >= Integer.MAX_VALUE) {
        return Integer.MAX_VALUE;
      }
      if (d <= Integer.MIN_VALUE) {
        return Integer.MIN_VALUE;
      }
      return (int) d;
    }
  }

  /** {@code merge}: one flat array of the operands, arrays spliced in. */
  static final class Merge extends Eager {
    Merge(Node[] args, boolean spread) {
      super("merge", args, spread);
    }

    @Override
    Object apply(List<?> values, Object data) {
      List<Object> out = new ArrayList<>();
      for (Object v : values) {
        if (v instanceof List<?> list) {
          out.addAll(list);
        } else {
          out.add(v);
        }
      }
      return out;
    }
  }

  /** {@code missing}: the keys (var paths) whose value is null, absent or the empty string. */
  static final class Missing extends Eager {
    Missing(Node[] args, boolean spread) {
      super("missing", args, spread);
    }

    @Override
    Object apply(List<?> values, Object data) {
      List<?> keys = !values.isEmpty() && values.get(0) instanceof List<?> first ? first : values;
      return missing(keys, data);
    }

    static List<Object> missing(List<?> keys, Object data) {
      List<Object> out = new ArrayList<>();
      for (Object key : keys) {
        String text = key instanceof Number n ? Values.numberText(n) : Values.toText(key);
        Object value = text.isEmpty() ? data : Path.dotted(text).resolve(data);
        if (value == null || "".equals(value)) {
          out.add(key);
        }
      }
      return out;
    }
  }

  /** {@code missing_some}: [need, keys]; the missing keys unless at least {@code need} exist. */
  static final class MissingSome extends Eager {
    MissingSome(Node[] args, boolean spread) {
      super("missing_some", args, spread);
    }

    @Override
    Object apply(List<?> values, Object data) {
      if (values.size() != 2 || !(values.get(1) instanceof List<?> keys)) {
        throw Values.invalidArguments("missing_some needs a count and an array of keys");
      }
      double need = Values.toNumber(values.get(0));
      List<Object> missing = Missing.missing(keys, data);
      return keys.size() - missing.size() >= need ? new ArrayList<>() : missing;
    }
  }

  enum IteratorKind {
    MAP,
    FILTER,
    ALL,
    SOME,
    NONE;

    String symbol() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** {@code map filter all some none}: the body runs once per element, the element its context. */
  static final class Iterate extends Node {
    private final IteratorKind kind;
    private final Node source;
    private final Node body;

    Iterate(IteratorKind kind, Node source, Node body) {
      this.kind = kind;
      this.source = source;
      this.body = body;
    }

    @Override
    Object eval(Object data, Scope scope) {
      Object value = source.eval(data, scope);
      List<?> items;
      if (value instanceof List<?> list) {
        items = list;
      } else if (value == null && (kind == IteratorKind.MAP || kind == IteratorKind.FILTER)) {
        return new ArrayList<>();
      } else {
        throw Values.invalidArguments(kind.symbol() + " needs an array, got " + Values.kind(value));
      }
      switch (kind) {
        case MAP -> {
          List<Object> out = new ArrayList<>(items.size());
          for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            out.add(body.eval(item, Scope.iteration(i, data, scope)));
          }
          return out;
        }
        case FILTER -> {
          List<Object> out = new ArrayList<>();
          for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            if (body.test(item, Scope.iteration(i, data, scope))) {
              out.add(item);
            }
          }
          return out;
        }
        case ALL -> {
          for (int i = 0; i < items.size(); i++) {
            if (!body.test(items.get(i), Scope.iteration(i, data, scope))) {
              return false;
            }
          }
          return !items.isEmpty();
        }
        case SOME -> {
          for (int i = 0; i < items.size(); i++) {
            if (body.test(items.get(i), Scope.iteration(i, data, scope))) {
              return true;
            }
          }
          return false;
        }
        case NONE -> {
          for (int i = 0; i < items.size(); i++) {
            if (body.test(items.get(i), Scope.iteration(i, data, scope))) {
              return false;
            }
          }
          return true;
        }
        default -> throw new IllegalStateException();
      }
    }

    @Override
    void describe(StringBuilder out) {
      describeCall(out, kind.symbol(), new Node[] {source, body});
    }
  }

  /**
   * {@code reduce}: [array, body, initial?]; the body sees {@code current} and {@code accumulator}.
   */
  static final class Reduce extends Node {
    private final Node source;
    private final Node body;
    private final Node initial;

    Reduce(Node source, Node body, Node initial) {
      this.source = source;
      this.body = body;
      this.initial = initial;
    }

    @Override
    Object eval(Object data, Scope scope) {
      Object accumulator = initial == null ? null : initial.eval(data, scope);
      Object value = source.eval(data, scope);
      List<?> items;
      if (value instanceof List<?> list) {
        items = list;
      } else if (value == null) {
        items = List.of();
      } else {
        throw Values.invalidArguments("reduce needs an array, got " + Values.kind(value));
      }
      int start = 0;
      if (initial == null) {
        if (items.isEmpty()) {
          throw Values.invalidArguments("reduce of an empty array needs an initial value");
        }
        accumulator = items.get(0);
        start = 1;
      }
      Scope inner = Scope.of(items, data, scope);
      for (int i = start; i < items.size(); i++) {
        Map<String, Object> context = new HashMap<>(4);
        context.put("current", items.get(i));
        context.put("accumulator", accumulator);
        accumulator = body.eval(context, inner);
      }
      return accumulator;
    }

    @Override
    void describe(StringBuilder out) {
      describeCall(
          out,
          "reduce",
          initial == null ? new Node[] {source, body} : new Node[] {source, body, initial});
    }
  }
}
