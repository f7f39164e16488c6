package dev.arbiter.engine.rules;

import dev.arbiter.engine.rules.ComparisonNodes.InStrings;
import dev.arbiter.engine.rules.ComparisonNodes.PathEqualsString;
import dev.arbiter.engine.rules.ComparisonNodes.PathVersusNumber;

/**
 * The shape most qualification rules take, an {@code and} (or {@code or}) of tests of data paths
 * against constants, compiled into one node. It evaluates the tests in order with the same
 * short-circuit and the same semantics as the separate nodes, but with no virtual call per test,
 * and it looks each distinct parent path ({@code customer} in {@code customer.age}) up once per
 * evaluation instead of once per test.
 */
final class FusedNodes {
  private FusedNodes() {}

  private static final int NUMBER = 0;
  private static final int STRING = 1;
  private static final int IN_STRINGS = 2;
  private static final int TRUTHY = 3;
  private static final int USE_R0 = 0;
  private static final int USE_R1 = 1;
  private static final int LOAD_R0 = 2;
  private static final int LOAD_R1 = 3;

  /** The most tests one fused node holds; longer and/or chains keep their separate nodes. */
  static final int MAX_TESTS = 8;

  /** The fused node for {@code and}/{@code or} over {@code args}, or null when not all qualify. */
  static Node of(Node[] args, boolean any, Node original) {
    int n = args.length;
    if (n < 2 || n > MAX_TESTS) {
      return null;
    }
    Slot[] slots = new Slot[MAX_TESTS];
    // parent values live in two registers; which test loads and which reuses is decided here,
    // once, by replaying the tests in order (least recently loaded register is replaced)
    Object[] registers = new Object[2];
    int next = 0;
    for (int i = 0; i < n; i++) {
      Node arg = args[i];
      int kind;
      Path path;
      if (arg instanceof PathVersusNumber p) {
        kind = NUMBER;
        path = p.path();
      } else if (arg instanceof PathEqualsString p) {
        kind = STRING;
        path = p.path();
      } else if (arg instanceof InStrings p && staticPath(p.needle()) != null) {
        kind = IN_STRINGS;
        path = staticPath(p.needle());
      } else if (arg instanceof LogicNodes.Not p && staticPath(p.arg()) != null) {
        kind = TRUTHY;
        path = staticPath(p.arg());
      } else {
        return null;
      }
      if (path.isEmpty()) {
        return null;
      }
      Path parent = path.parent();
      // compared by keys, not by dotted text: val ["a.b"] and var "a.b" are different paths
      java.util.List<String> name = java.util.List.of(parent.keys);
      int register;
      boolean load;
      if (name.equals(registers[0])) {
        register = 0;
        load = false;
      } else if (name.equals(registers[1])) {
        register = 1;
        load = false;
      } else {
        register = next;
        registers[next] = name;
        next = 1 - next;
        load = true;
      }
      int mode = load ? (register == 0 ? LOAD_R0 : LOAD_R1) : (register == 0 ? USE_R0 : USE_R1);
      slots[i] = new Slot(kind, arg, path, parent, mode);
    }
    for (int i = n; i < MAX_TESTS; i++) {
      slots[i] = slots[0];
    }
    return new PathTests(any, n, slots, original);
  }

  private static Path staticPath(Node node) {
    if (node instanceof DataNodes.Var v) {
      return v.staticPath();
    }
    if (node instanceof DataNodes.Val v) {
      return v.staticPath();
    }
    return null;
  }

  /** One test of a fused node: which value it reads and what it checks. */
  private static final class Slot {
    final int kind;
    final Node test;
    final Path path;
    final int last;
    final int index;
    final int mode;
    final boolean integral;
    final long low;
    final long high;
    final boolean negate;
    final String string;
    final String[] strings;
    private final Path parentPath;
    private final int parentIndex;
    private final int slot;

    Slot(int kind, Node test, Path path, Path parentPath, int mode) {
      this.kind = kind;
      this.test = test;
      this.path = path;
      this.last = path.keys.length - 1;
      this.index = path.lastIndex();
      this.mode = mode;
      PathVersusNumber number = test instanceof PathVersusNumber p ? p : null;
      this.integral = number != null && number.integral();
      this.low = number != null ? number.low() : 0;
      this.high = number != null ? number.high() : 0;
      PathEqualsString string = test instanceof PathEqualsString p ? p : null;
      if (number != null) {
        this.negate = number.outside();
      } else if (string != null) {
        this.negate = string.negated();
      } else {
        this.negate = test instanceof LogicNodes.Not not && not.negates();
      }
      this.string = string != null ? string.constant() : null;
      this.strings = test instanceof InStrings in ? in.strings() : null;
      this.parentPath = parentPath;
      this.parentIndex = last == 1 ? path.indexAt(0) : -1;
      this.slot = path.slot;
      learned();
    }

    // copies of the path's lookup keys, one load away on the hot path; see Path#lookupKey
    private String key;
    private String parentKey;

    void learned() {
      key = path.lookupKey(last);
      parentKey = last == 1 ? path.lookupKey(0) : null;
    }

    /** The value of the parent path; a one-key parent (the common case) skips the path loop. */
    Object parent(Object data) {
      return last == 1 ? Path.child(data, parentKey, parentIndex) : parentPath.resolve(data);
    }

    Object value(Object parent) {
      return Path.child(parent, key, index);
    }

    /**
     * The value from data bound to this path's table (the caller checked): its slot, or a walk when
     * the path has none.
     */
    Object bound(BoundData b) {
      return slot >= 0 ? b.value(slot) : path.resolve(b);
    }
  }

  /**
   * The test of one slot. The common value types are checked here against constants copied into the
   * slot; anything else goes to the test node itself, which has the full semantics.
   */
  private static boolean check(Slot s, Object value) {
    switch (s.kind) {
      case NUMBER -> {
        if (s.integral && value instanceof Integer i) {
          long x = i;
          return (x >= s.low && x <= s.high) != s.negate;
        }
        return ((PathVersusNumber) s.test).testValue(value);
      }
      case STRING -> {
        if (value instanceof String v) {
          return v.equals(s.string) != s.negate;
        }
        return ((PathEqualsString) s.test).testValue(value);
      }
      case IN_STRINGS -> {
        if (value instanceof String v) {
          for (String candidate : s.strings) {
            if (candidate.equals(v)) {
              return true;
            }
          }
          return false;
        }
        return ((InStrings) s.test).testValue(value);
      }
      default -> {
        if (value instanceof Boolean b) {
          return b != s.negate;
        }
        return Values.truthy(value) != s.negate;
      }
    }
  }

  /**
   * Up to {@link #MAX_TESTS} tests written out one after the other rather than looped over: every
   * test gets its own branches and type profiles, which the JIT and the CPU predict perfectly.
   */
  static final class PathTests extends Node {
    private final boolean any;
    private final int count;
    private final Slot s0;
    private final Slot s1;
    private final Slot s2;
    private final Slot s3;
    private final Slot s4;
    private final Slot s5;
    private final Slot s6;
    private final Slot s7;
    private final Node original;
    private final PathTable table;
    private boolean learning = true;

    PathTests(boolean any, int count, Slot[] slots, Node original) {
      this.any = any;
      this.count = count;
      this.s0 = slots[0];
      this.s1 = slots[1];
      this.s2 = slots[2];
      this.s3 = slots[3];
      this.s4 = slots[4];
      this.s5 = slots[5];
      this.s6 = slots[6];
      this.s7 = slots[7];
      this.original = original;
      this.table = s0.path.table;
    }

    @Override
    Object eval(Object data, Scope scope) {
      // every test yields a boolean, so and/or yield the deciding test's boolean
      return test(data, scope);
    }

    @Override
    boolean test(Object data, Scope scope) {
      if (table != null && data instanceof BoundData b && b.table == table) {
        return testBound(b);
      }
      if (learning) {
        learn(data);
      }
      Object r0 = null;
      Object r1 = null;
      Object parent;
      if (count == 0) {
        return !any;
      }
      switch (s0.mode) {
        case USE_R0 -> parent = r0;
        case USE_R1 -> parent = r1;
        case LOAD_R0 -> parent = r0 = s0.parent(data);
        default -> parent = r1 = s0.parent(data);
      }
      if (check(s0, s0.value(parent)) == any) {
        return any;
      }
      if (count == 1) {
        return !any;
      }
      switch (s1.mode) {
        case USE_R0 -> parent = r0;
        case USE_R1 -> parent = r1;
        case LOAD_R0 -> parent = r0 = s1.parent(data);
        default -> parent = r1 = s1.parent(data);
      }
      if (check(s1, s1.value(parent)) == any) {
        return any;
      }
      if (count == 2) {
        return !any;
      }
      switch (s2.mode) {
        case USE_R0 -> parent = r0;
        case USE_R1 -> parent = r1;
        case LOAD_R0 -> parent = r0 = s2.parent(data);
        default -> parent = r1 = s2.parent(data);
      }
      if (check(s2, s2.value(parent)) == any) {
        return any;
      }
      if (count == 3) {
        return !any;
      }
      switch (s3.mode) {
        case USE_R0 -> parent = r0;
        case USE_R1 -> parent = r1;
        case LOAD_R0 -> parent = r0 = s3.parent(data);
        default -> parent = r1 = s3.parent(data);
      }
      if (check(s3, s3.value(parent)) == any) {
        return any;
      }
      if (count == 4) {
        return !any;
      }
      switch (s4.mode) {
        case USE_R0 -> parent = r0;
        case USE_R1 -> parent = r1;
        case LOAD_R0 -> parent = r0 = s4.parent(data);
        default -> parent = r1 = s4.parent(data);
      }
      if (check(s4, s4.value(parent)) == any) {
        return any;
      }
      if (count == 5) {
        return !any;
      }
      switch (s5.mode) {
        case USE_R0 -> parent = r0;
        case USE_R1 -> parent = r1;
        case LOAD_R0 -> parent = r0 = s5.parent(data);
        default -> parent = r1 = s5.parent(data);
      }
      if (check(s5, s5.value(parent)) == any) {
        return any;
      }
      if (count == 6) {
        return !any;
      }
      switch (s6.mode) {
        case USE_R0 -> parent = r0;
        case USE_R1 -> parent = r1;
        case LOAD_R0 -> parent = r0 = s6.parent(data);
        default -> parent = r1 = s6.parent(data);
      }
      if (check(s6, s6.value(parent)) == any) {
        return any;
      }
      if (count == 7) {
        return !any;
      }
      switch (s7.mode) {
        case USE_R0 -> parent = r0;
        case USE_R1 -> parent = r1;
        case LOAD_R0 -> parent = r0 = s7.parent(data);
        default -> parent = r1 = s7.parent(data);
      }
      if (check(s7, s7.value(parent)) == any) {
        return any;
      }
      return !any;
    }

    /** {@link #test} against data bound to this node's table: every value comes from a slot. */
    private boolean testBound(BoundData b) {
      if (check(s0, s0.bound(b)) == any) {
        return any;
      }
      if (count == 1) {
        return !any;
      }
      if (check(s1, s1.bound(b)) == any) {
        return any;
      }
      if (count == 2) {
        return !any;
      }
      if (check(s2, s2.bound(b)) == any) {
        return any;
      }
      if (count == 3) {
        return !any;
      }
      if (check(s3, s3.bound(b)) == any) {
        return any;
      }
      if (count == 4) {
        return !any;
      }
      if (check(s4, s4.bound(b)) == any) {
        return any;
      }
      if (count == 5) {
        return !any;
      }
      if (check(s5, s5.bound(b)) == any) {
        return any;
      }
      if (count == 6) {
        return !any;
      }
      if (check(s6, s6.bound(b)) == any) {
        return any;
      }
      if (count == 7) {
        return !any;
      }
      if (check(s7, s7.bound(b)) == any) {
        return any;
      }
      return !any;
    }

    private void learn(Object data) {
      boolean more = false;
      for (Slot s : new Slot[] {s0, s1, s2, s3, s4, s5, s6, s7}) {
        s.path.learn(data);
        s.learned();
        more |= s.path.isLearning();
      }
      // racy: a few extra learning passes in other threads are harmless
      learning = more;
    }

    @Override
    int precedence() {
      return original.precedence();
    }

    @Override
    void describe(StringBuilder out) {
      original.describe(out);
    }
  }
}
