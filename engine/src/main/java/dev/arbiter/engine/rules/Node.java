package dev.arbiter.engine.rules;

/**
 * One compiled expression. Nodes are immutable; {@link #eval} and {@link #test} may run on many
 * threads at once. {@code data} is the current context and {@code scope} the contexts around it.
 */
abstract class Node {
  static final int IF = 10;
  static final int OR = 30;
  static final int AND = 40;
  static final int NOT = 50;
  static final int COMPARISON = 60;
  static final int ADDITIVE = 70;
  static final int MULTIPLICATIVE = 80;
  static final int UNARY = 90;
  static final int ATOM = 100;

  abstract Object eval(Object data, Scope scope);

  /** JSON Logic truthiness of {@link #eval}; nodes that can answer without boxing override it. */
  boolean test(Object data, Scope scope) {
    return Values.truthy(eval(data, scope));
  }

  /**
   * {@link Values#toNumber} of {@link #eval}; arithmetic overrides it to compute without boxing.
   * Raises the same errors as {@code toNumber(eval(...))}.
   */
  double number(Object data, Scope scope) {
    return Values.toNumber(eval(data, scope));
  }

  boolean isConstant() {
    return false;
  }

  /** How tightly the infix form of this node binds; see {@link #describe(StringBuilder, int)}. */
  int precedence() {
    return ATOM;
  }

  abstract void describe(StringBuilder out);

  final void describe(StringBuilder out, int minPrecedence) {
    if (precedence() < minPrecedence) {
      out.append('(');
      describe(out);
      out.append(')');
    } else {
      describe(out);
    }
  }

  static void describeCall(StringBuilder out, String name, Node[] args) {
    out.append(name).append('(');
    for (int i = 0; i < args.length; i++) {
      if (i > 0) {
        out.append(", ");
      }
      args[i].describe(out, IF + 1);
    }
    out.append(')');
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    describe(out);
    return out.toString();
  }
}
