package dev.arbiter.engine.rules;

import dev.arbiter.engine.rules.ArithmeticNodes.Arithmetic;
import dev.arbiter.engine.rules.ArithmeticNodes.Kind;
import dev.arbiter.engine.rules.CollectionNodes.IteratorKind;
import dev.arbiter.engine.rules.ComparisonNodes.Op;
import dev.arbiter.engine.rules.DataNodes.Const;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns a parsed JSON Logic rule into a {@link Node} tree. Every operator is looked up in a fixed
 * whitelist; arity, argument shapes and literal operand types are checked here, and every problem
 * is collected with its JSON Pointer into the rule rather than stopping at the first. Subtrees that
 * do not read the data are folded into constants, and comparisons of a data path against a constant
 * get specialised nodes.
 */
final class Compiler {
  static final Set<String> OPERATORS =
      Set.of(
          "var",
          "val",
          "exists",
          "missing",
          "missing_some",
          "if",
          "?:",
          "and",
          "or",
          "!",
          "!!",
          "==",
          "!=",
          "===",
          "!==",
          "<",
          "<=",
          ">",
          ">=",
          "in",
          "+",
          "-",
          "*",
          "/",
          "%",
          "min",
          "max",
          "cat",
          "substr",
          "merge",
          "map",
          "filter",
          "reduce",
          "all",
          "some",
          "none",
          "??",
          "try",
          "throw",
          "preserve");

  /** Operators whose result depends on the data, so they are never folded. */
  private static final Set<String> READS_DATA =
      Set.of("var", "val", "exists", "missing", "missing_some");

  private static final Const NULL = new Const(null);

  private final List<RuleProblem> problems = new ArrayList<>();

  /** Where static paths get their slots; null when compiling without a table. */
  private final PathTable table;

  private Compiler(PathTable table) {
    this.table = table;
  }

  static Node compileRoot(Object rule, PathTable table) throws RuleCompilationException {
    Compiler compiler = new Compiler(table);
    Node root = compiler.compile(rule, "");
    if (!compiler.problems.isEmpty()) {
      throw new RuleCompilationException(compiler.problems);
    }
    return root;
  }

  /**
   * A string constant a path is compared with, interned, and made known to the table so that equal
   * slot values can be the same instance (see {@link PathTable#canonical}).
   */
  private String constant(String s) {
    String interned = s.intern();
    if (table != null) {
      table.constant(interned);
    }
    return interned;
  }

  /** A static path of the rule, given its slot when compiling into a table. */
  private Path path(Path p) {
    if (table != null) {
      table.assign(p);
    }
    return p;
  }

  private void problem(String path, String message) {
    problems.add(new RuleProblem(path, message));
  }

  Node compile(Object json, String path) {
    if (json == null || json instanceof String || json instanceof Boolean) {
      return new Const(json);
    }
    if (json instanceof Number n) {
      if (!Values.isIntegral(n) && !Double.isFinite(n.doubleValue())) {
        problem(path, "numbers must be finite, got " + n);
        return NULL;
      }
      return new Const(n);
    }
    if (json instanceof List<?> list) {
      Node[] items = new Node[list.size()];
      boolean constant = true;
      for (int i = 0; i < items.length; i++) {
        items[i] = compile(list.get(i), path + "/" + i);
        constant &= items[i].isConstant();
      }
      if (constant) {
        List<Object> values = new ArrayList<>(items.length);
        for (Node item : items) {
          values.add(((Const) item).value);
        }
        return new Const(values);
      }
      return new DataNodes.ArrayLiteral(items);
    }
    if (json instanceof Map<?, ?> map) {
      if (map.isEmpty()) {
        return new Const(map);
      }
      if (map.size() > 1) {
        problem(
            path,
            "an operation has exactly one key, its operator, but this object has "
                + map.size()
                + " keys "
                + new TreeSet<>(map.keySet().stream().map(String::valueOf).toList())
                + "; wrap a literal object in {\"preserve\": ...}");
        return NULL;
      }
      Map.Entry<?, ?> entry = map.entrySet().iterator().next();
      if (!(entry.getKey() instanceof String op)) {
        problem(path, "operator must be a string, got " + entry.getKey());
        return NULL;
      }
      if (!OPERATORS.contains(op)) {
        problem(
            path + "/" + escape(op),
            "unknown operator \""
                + op
                + "\"; allowed: "
                + String.join(" ", new TreeSet<>(OPERATORS)));
        return NULL;
      }
      int before = problems.size();
      childrenConstant = false;
      Node node = operation(op, entry.getValue(), path + "/" + escape(op));
      if (problems.size() > before) {
        return NULL;
      }
      return fold(op, node);
    }
    problem(path, "not a JSON value: " + json.getClass().getName());
    return NULL;
  }

  /** JSON Pointer escaping, so that the path of {@code /} itself reads {@code ~1}. */
  static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  /** Replaces a subtree that does not read the data by its value, unless evaluating it fails. */
  private Node fold(String op, Node node) {
    if (node.isConstant() || READS_DATA.contains(op) || "throw".equals(op)) {
      return node;
    }
    if (!childrenConstant) {
      return node;
    }
    try {
      return new Const(node.eval(null, null));
    } catch (RuleEvaluationException e) {
      return node;
    }
  }

  /** Set by {@link #operands} for the operation being compiled. */
  private boolean childrenConstant;

  /** The operands of an operation. */
  private record Operands(Node[] nodes, boolean array, boolean spread, String path, boolean valid) {
    Operands(Node[] nodes, boolean array, boolean spread, String path) {
      this(nodes, array, spread, path, true);
    }

    int size() {
      return nodes.length;
    }

    String at(int i) {
      return array ? path + "/" + i : path;
    }
  }

  private Operands operands(Object value, String path, boolean requireArray, String op) {
    Operands result;
    if (value instanceof List<?> list) {
      Node[] nodes = new Node[list.size()];
      for (int i = 0; i < nodes.length; i++) {
        nodes[i] = compile(list.get(i), path + "/" + i);
      }
      result = new Operands(nodes, true, false, path);
    } else if (requireArray) {
      problem(path, op + " needs an array of operands, got " + Values.kind(value));
      result = new Operands(new Node[0], true, false, path, false);
    } else {
      Node node = compile(value, path);
      boolean operation = value instanceof Map<?, ?> m && !m.isEmpty();
      if (operation && node instanceof Const c) {
        // an operation folded to a constant: an array value is the operand list
        if (c.value instanceof List<?> list) {
          Node[] nodes = new Node[list.size()];
          for (int i = 0; i < nodes.length; i++) {
            nodes[i] = new Const(list.get(i));
          }
          result = new Operands(nodes, false, false, path);
        } else {
          result = new Operands(new Node[] {node}, false, false, path);
        }
      } else {
        result = new Operands(new Node[] {node}, false, operation, path);
      }
    }
    boolean constant = true;
    for (Node n : result.nodes) {
      constant &= n.isConstant();
    }
    childrenConstant = constant;
    return result;
  }

  private boolean arity(Operands args, String op, int min, int max) {
    if (!args.valid) {
      return false;
    }
    if (args.spread) {
      return true;
    }
    int n = args.size();
    if (n < min || n > max) {
      String expected =
          min == max
              ? String.valueOf(min)
              : max == Integer.MAX_VALUE ? "at least " + min : min + " to " + max;
      problem(args.path, op + " takes " + expected + " operand(s), got " + n);
      return false;
    }
    return true;
  }

  private Node operation(String op, Object value, String path) {
    return switch (op) {
      case "preserve" -> new Const(value);
      case "var" -> var(value, path);
      case "val", "exists" -> val(value, path, op.equals("exists"));
      case "missing" -> {
        Operands a = operands(value, path, false, op);
        yield new CollectionNodes.Missing(a.nodes, a.spread);
      }
      case "missing_some" -> {
        Operands a = operands(value, path, false, op);
        arity(a, op, 2, 2);
        yield new CollectionNodes.MissingSome(a.nodes, a.spread);
      }
      case "if" -> new LogicNodes.If(operands(value, path, true, op).nodes);
      case "?:" -> {
        Operands a = operands(value, path, true, op);
        arity(a, op, 3, 3);
        yield new LogicNodes.If(a.nodes);
      }
      case "and", "or" -> {
        Node[] args = operands(value, path, true, op).nodes;
        Node logic = op.equals("and") ? new LogicNodes.And(args) : new LogicNodes.Or(args);
        Node fused = FusedNodes.of(args, op.equals("or"), logic);
        yield fused != null ? fused : logic;
      }
      case "!", "!!" -> {
        Operands a = operands(value, path, false, op);
        arity(a, op, 0, 1);
        yield new LogicNodes.Not(a.size() == 0 ? NULL : a.nodes[0], op.equals("!"));
      }
      case "==", "!=", "===", "!==", "<", "<=", ">", ">=" -> comparison(Op.of(op), value, path);
      case "in" -> in(value, path);
      case "+", "-", "*", "/", "%", "min", "max" -> arithmetic(op, value, path);
      case "cat" -> {
        Operands a = operands(value, path, false, op);
        yield new CollectionNodes.Cat(a.nodes, a.spread);
      }
      case "substr" -> {
        Operands a = operands(value, path, false, op);
        arity(a, op, 2, 3);
        yield new CollectionNodes.Substr(a.nodes, a.spread);
      }
      case "merge" -> {
        Operands a = operands(value, path, false, op);
        yield new CollectionNodes.Merge(a.nodes, a.spread);
      }
      case "map", "filter", "all", "some", "none" -> iterator(op, value, path);
      case "reduce" -> {
        Operands a = operands(value, path, true, op);
        if (!arity(a, op, 2, 3)) {
          yield NULL;
        }
        rejectLiteralNull(a, value, 0, op, "an array");
        yield new CollectionNodes.Reduce(a.nodes[0], a.nodes[1], a.size() == 3 ? a.nodes[2] : null);
      }
      case "??" -> {
        Operands a = operands(value, path, false, op);
        yield new LogicNodes.Coalesce(a.nodes, a.spread);
      }
      case "try" -> new LogicNodes.Try(operands(value, path, false, op).nodes);
      case "throw" -> {
        Operands a = operands(value, path, false, op);
        arity(a, op, 1, 1);
        yield new LogicNodes.Throw(a.size() == 1 ? a.nodes[0] : NULL);
      }
      default -> throw new IllegalStateException("operator without a compiler: " + op);
    };
  }

  private void rejectLiteralNull(Operands a, Object value, int i, String op, String what) {
    if (value instanceof List<?> list && i < list.size() && list.get(i) == null) {
      problem(a.at(i), op + " needs " + what + ", got null");
    }
  }

  private Node var(Object value, String path) {
    Operands a = operands(value, path, false, "var");
    if (a.spread) {
      return new DataNodes.DynamicVar(a.nodes[0], null);
    }
    if (!arity(a, "var", 0, 2)) {
      return NULL;
    }
    if (a.size() == 0) {
      return new DataNodes.Var(path(Path.dotted("")), null);
    }
    Node fallback = a.size() == 2 ? a.nodes[1] : null;
    if (a.nodes[0] instanceof Const c) {
      Object p = c.value;
      if (p == null) {
        return new DataNodes.Var(path(Path.dotted("")), fallback);
      }
      if (p instanceof String s) {
        return new DataNodes.Var(path(Path.dotted(s)), fallback);
      }
      if (p instanceof Number n) {
        return new DataNodes.Var(path(Path.dotted(Values.numberText(n))), fallback);
      }
      problem(a.at(0), "var needs a path (a string or a number), got " + Values.kind(p));
      return NULL;
    }
    return new DataNodes.DynamicVar(a.nodes[0], fallback);
  }

  private Node val(Object value, String path, boolean exists) {
    String op = exists ? "exists" : "val";
    Operands a = operands(value, path, false, op);
    if (a.spread) {
      return new DataNodes.DynamicVal(a.nodes, true, exists);
    }
    if (!childrenConstant) {
      return new DataNodes.DynamicVal(a.nodes, false, exists);
    }
    List<Object> segments = new ArrayList<>();
    // an array, or an operation folded to an array and already spread into its elements
    boolean several = a.array || (value instanceof Map<?, ?> m && !m.isEmpty());
    if (several) {
      for (Node n : a.nodes) {
        segments.add(((Const) n).value);
      }
    } else {
      Object single = ((Const) a.nodes[0]).value;
      if (single instanceof List<?> list) {
        segments.addAll(list);
      } else if (single != null) {
        segments.add(single);
      }
    }
    int climb = 0;
    int start = 0;
    if (!exists
        && !segments.isEmpty()
        && segments.get(0) instanceof List<?> first
        && first.size() == 1
        && first.get(0) instanceof Number n
        && n.doubleValue() == Math.rint(n.doubleValue())) {
      climb = (int) Math.min(Math.abs(n.doubleValue()), 1_000_000);
      start = 1;
    }
    List<String> keys = new ArrayList<>();
    for (int i = start; i < segments.size(); i++) {
      Object s = segments.get(i);
      if (s == null) {
        continue;
      }
      if (s instanceof String text) {
        keys.add(text);
      } else if (s instanceof Number n) {
        keys.add(Values.numberText(n));
      } else {
        problem(a.at(i), op + " needs keys (strings or numbers), got " + Values.kind(s));
      }
    }
    Path p = path(new Path(keys));
    return exists ? new DataNodes.Exists(p) : new DataNodes.Val(climb, p);
  }

  private Node comparison(Op op, Object value, String path) {
    Operands a = operands(value, path, true, op.symbol);
    if (!arity(a, op.symbol, 2, Integer.MAX_VALUE)) {
      return NULL;
    }
    if (op.isOrdering() || op.isLoose()) {
      for (int i = 0; i < a.size(); i++) {
        if (a.nodes[i] instanceof Const c && !Values.isScalar(c.value)) {
          problem(a.at(i), "cannot compare " + Values.kind(c.value) + " with " + op.symbol);
        }
      }
    }
    if (a.size() > 2) {
      return new ComparisonNodes.Chain(op, a.nodes);
    }
    Node left = a.nodes[0];
    Node right = a.nodes[1];
    Path leftPath = pathOf(left);
    Path rightPath = pathOf(right);
    if (leftPath != null && right instanceof Const c && c.value instanceof Number n) {
      return new ComparisonNodes.PathVersusNumber(op, left, right, op, leftPath, n);
    }
    if (rightPath != null && left instanceof Const c && c.value instanceof Number n) {
      return new ComparisonNodes.PathVersusNumber(op, left, right, op.flipped(), rightPath, n);
    }
    if (!op.isOrdering()) {
      if (leftPath != null && right instanceof Const c && c.value instanceof String s) {
        return new ComparisonNodes.PathEqualsString(op, left, right, leftPath, constant(s));
      }
      if (rightPath != null && left instanceof Const c && c.value instanceof String s) {
        return new ComparisonNodes.PathEqualsString(op, left, right, rightPath, constant(s));
      }
    }
    if (isNumeric(left) && isNumeric(right)) {
      return new ComparisonNodes.Numeric(op, left, right);
    }
    return new ComparisonNodes.Generic(op, left, right);
  }

  /**
   * Whether a comparison operand is certainly a number: a number constant or fast binary
   * arithmetic. At least one side must be arithmetic for {@link ComparisonNodes.Numeric}.
   */
  private static boolean isNumeric(Node node) {
    return node instanceof Arithmetic a && a.isBinaryFast()
        || node instanceof Const c && c.value instanceof Number;
  }

  /** The static path a node reads, when it is a plain {@code var} or {@code val} of one context. */
  private static Path pathOf(Node node) {
    if (node instanceof DataNodes.Var v) {
      return v.staticPath();
    }
    if (node instanceof DataNodes.Val v) {
      return v.staticPath();
    }
    return null;
  }

  private Node in(Object value, String path) {
    Operands a = operands(value, path, true, "in");
    if (!arity(a, "in", 2, 2)) {
      return NULL;
    }
    Node haystack = a.nodes[1];
    if (haystack instanceof Const c) {
      if (!(c.value instanceof List<?>) && !(c.value instanceof String)) {
        problem(a.at(1), "in needs an array or a string to search, got " + Values.kind(c.value));
        return NULL;
      }
      if (c.value instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
        ComparisonNodes.InStrings in = new ComparisonNodes.InStrings(a.nodes[0], c);
        for (String candidate : in.strings()) {
          constant(candidate);
        }
        return in;
      }
    }
    return new ComparisonNodes.In(a.nodes[0], haystack);
  }

  private Node arithmetic(String op, Object value, String path) {
    Kind kind =
        switch (op) {
          case "+" -> Kind.ADD;
          case "-" -> Kind.SUB;
          case "*" -> Kind.MUL;
          case "/" -> Kind.DIV;
          case "%" -> Kind.MOD;
          case "min" -> Kind.MIN;
          default -> Kind.MAX;
        };
    Operands a = operands(value, path, false, op);
    arity(a, op, kind.minimumArity(), Integer.MAX_VALUE);
    if (!a.spread) {
      for (int i = 0; i < a.size(); i++) {
        if (a.nodes[i] instanceof Const c && !Values.isNumeric(c.value)) {
          problem(a.at(i), op + " needs numbers, but operand is " + Values.kind(c.value));
        }
      }
    }
    return new Arithmetic(kind, a.nodes, a.spread);
  }

  private Node iterator(String op, Object value, String path) {
    Operands a = operands(value, path, true, op);
    if (!arity(a, op, 2, 2)) {
      return NULL;
    }
    rejectLiteralNull(a, value, 0, op, "an array");
    IteratorKind kind = IteratorKind.valueOf(op.toUpperCase(java.util.Locale.ROOT));
    if (kind == IteratorKind.MAP || kind == IteratorKind.FILTER) {
      rejectLiteralNull(a, value, 1, op, "a body");
    }
    return new CollectionNodes.Iterate(kind, a.nodes[0], a.nodes[1]);
  }
}
