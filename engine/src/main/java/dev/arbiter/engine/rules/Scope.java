package dev.arbiter.engine.rules;

import java.util.Map;

/**
 * The contexts surrounding the one an expression is evaluated in, innermost first. An iterator
 * (map, filter, all, some, none, reduce) or a try fallback evaluates its body in a new context and
 * links the one it came from here, so that {@code {"val": [[n], ...]}} can climb n levels: level 1
 * is the iteration's own context (its {@code index}), level 2 the context the iterator was
 * evaluated in, and so on outwards.
 */
final class Scope {
  private final int index;
  private final Object meta;
  final Object data;
  final Scope parent;

  private Scope(int index, Object meta, Object data, Scope parent) {
    this.index = index;
    this.meta = meta;
    this.data = data;
    this.parent = parent;
  }

  static Scope iteration(int index, Object data, Scope parent) {
    return new Scope(index, null, data, parent);
  }

  static Scope of(Object meta, Object data, Scope parent) {
    return new Scope(-1, meta, data, parent);
  }

  /** The value at level 1 relative to this scope's body. */
  Object meta() {
    return index >= 0 ? Map.of("index", (long) index) : meta;
  }

  /** Level {@code levels} above {@code current}, or null when there is no such context. */
  static Object climb(Object current, Scope scope, int levels) {
    Object result = current;
    Scope s = scope;
    for (int level = 1; level <= levels; level++) {
      if (s == null) {
        return null;
      }
      if (level % 2 == 1) {
        result = s.meta();
      } else {
        result = s.data;
        s = s.parent;
      }
    }
    return result;
  }
}
