package dev.arbiter.engine.rules;

import java.util.AbstractMap;
import java.util.Arrays;

/**
 * Rule data bound to a {@link PathTable}: rules compiled with that table read their paths from
 * slots filled on first use (see {@link PathTable}). A read-only map to everyone else. Subclasses
 * supply the map; what its paths lead to must not change while the instance is in use. Not
 * thread-safe.
 */
public abstract class BoundData extends AbstractMap<String, Object> {
  private static final Object UNRESOLVED = new Object();
  private static final Object[] NONE = new Object[0];

  final PathTable table;
  private final Object[] values;

  /** Data bound to {@code table}; with a null table it is plain data. */
  protected BoundData(PathTable table) {
    this.table = table;
    int size = table == null ? 0 : table.size();
    this.values = size == 0 ? NONE : new Object[size];
    Arrays.fill(values, UNRESOLVED);
  }

  /** The value of slot {@code slot}, null when absent: {@link Path#resolve} semantics. */
  final Object value(int slot) {
    Object v = slot(slot);
    return v == Path.MISSING ? null : v;
  }

  /**
   * The value of slot {@code slot} ({@link Path#MISSING} when absent), resolved by walking this
   * data the first time. A slot beyond this instance's (a table grown after binding) is walked
   * every time.
   */
  final Object slot(int slot) {
    Object[] vs = values;
    if (slot < vs.length) {
      Object v = vs[slot];
      if (v == UNRESOLVED) {
        v = table.canonical(table.slotPath(slot).walkOrMissing(this));
        vs[slot] = v;
      }
      return v;
    }
    return table.slotPath(slot).walkOrMissing(this);
  }
}
