package dev.arbiter.engine.rules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Slots for the data paths of a set of rules compiled together (a catalog's), so that one decision
 * resolves each distinct path once instead of once per rule that reads it.
 *
 * <p>Rules compiled with {@link JsonLogic#compile(Object, PathTable)} give each static path that
 * starts with one of the table's roots ({@code customer.balance}, {@code request.channel}) a slot.
 * Evaluated against {@link BoundData} of the same table, such a path reads its slot: the first read
 * in a decision walks the data's maps and stores the value, later reads (by the same or any other
 * rule) are an array load. Against any other data the rules behave exactly as rules compiled
 * without a table.
 *
 * <p>Only paths under roots whose values do not change while the bound data is in use may have
 * slots: a decision swaps {@code offer} per offer, so a catalog's table has the roots {@code
 * customer} and {@code request} only.
 *
 * <p>Compiling into a table is not thread-safe; {@link #freeze()} it once every rule is compiled,
 * after which it is immutable and may be shared.
 */
public final class PathTable {
  private final Set<String> roots;
  private final boolean anyRoot;
  private final Map<List<String>, Integer> slots = new HashMap<>();
  private final List<Path> paths = new ArrayList<>();
  private final Map<String, String> constants = new HashMap<>();
  private volatile boolean frozen;

  private PathTable(Set<String> roots, boolean anyRoot) {
    this.roots = roots;
    this.anyRoot = anyRoot;
  }

  /** A table whose slots are the paths starting with one of {@code roots}. */
  public static PathTable forRoots(String... roots) {
    return new PathTable(Set.of(roots), false);
  }

  /** A table giving a slot to every non-empty static path: for data that never changes in use. */
  public static PathTable forAllPaths() {
    return new PathTable(Set.of(), true);
  }

  /** Ends compilation into this table; compiling more rules with it afterwards fails. */
  public PathTable freeze() {
    frozen = true;
    return this;
  }

  /** How many distinct paths have slots. */
  public int size() {
    return paths.size();
  }

  /**
   * A read-only view of {@code data} whose path values are resolved at most once each; it must not
   * change while the view is in use. Not thread-safe: one view per evaluating thread.
   */
  public BoundData bind(Map<String, ?> data) {
    return new BoundMap(this, data);
  }

  /** The dotted paths that have slots, in slot order (for diagnostics). */
  public List<String> paths() {
    return paths.stream().map(Path::dotted).toList();
  }

  /** Gives {@code path} its slot when it is bindable; called by the compiler. */
  void assign(Path path) {
    if (frozen) {
      throw new IllegalStateException("path table is frozen; compile rules before freezing it");
    }
    path.table = this;
    if (path.keys.length == 0 || !(anyRoot || roots.contains(path.keys[0]))) {
      return;
    }
    List<String> key = List.of(path.keys);
    Integer slot = slots.get(key);
    if (slot == null) {
      slot = paths.size();
      slots.put(key, slot);
      // the slot resolves through its own Path, which never reads slots
      paths.add(new Path(key));
    }
    path.slot = slot;
  }

  /** Registers a string constant that rules compare paths with; called by the compiler. */
  void constant(String interned) {
    if (frozen) {
      throw new IllegalStateException("path table is frozen; compile rules before freezing it");
    }
    constants.putIfAbsent(interned, interned);
  }

  /**
   * {@code value}, or when it equals a string constant some rule compares a path with, that
   * constant's instance: done once when a slot is filled, so that every later comparison of the
   * slot with the constant is decided by identity ({@code String.equals} checks it first) instead
   * of by comparing characters.
   */
  Object canonical(Object value) {
    if (value instanceof String s && !constants.isEmpty()) {
      String c = constants.get(s);
      return c != null ? c : s;
    }
    return value;
  }

  /** The path a slot resolves, walking the data. */
  Path slotPath(int slot) {
    return paths.get(slot);
  }

  /** A {@link BoundData} over a plain map. */
  private static final class BoundMap extends BoundData {
    private final Map<String, ?> data;

    BoundMap(PathTable table, Map<String, ?> data) {
      super(table);
      this.data = data;
    }

    @Override
    public Object get(Object key) {
      return data.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
      return data.containsKey(key);
    }

    @Override
    public int size() {
      return data.size();
    }

    @Override
    @SuppressWarnings("unchecked")
    public Set<Entry<String, Object>> entrySet() {
      return java.util.Collections.unmodifiableMap((Map<String, Object>) data).entrySet();
    }
  }
}
