package dev.arbiter.engine.catalog;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides conservatively whether a JSON Logic rule can read {@code offer} data. A rule that
 * provably cannot gives the same result for every offer of a decision, so the pipeline evaluates it
 * once per decision instead of once per offer. "Provably" means: no string anywhere in the rule
 * starts with {@code offer}, every data access ({@code var}, {@code val}, {@code missing}, {@code
 * missing_some}, {@code exists}) names literal, non-empty paths, and no operator changes the data
 * scope ({@code map}, {@code filter}, {@code reduce}, {@code all}, {@code some}, {@code none}).
 */
final class RuleAnalysis {
  private static final Set<String> DATA_ACCESS =
      Set.of("var", "val", "missing", "missing_some", "exists");
  private static final Set<String> SCOPE_CHANGE =
      Set.of("map", "filter", "reduce", "all", "some", "none");

  private RuleAnalysis() {}

  static boolean mayReadOffer(Object node) {
    if (node instanceof String s) {
      return s.startsWith("offer");
    }
    if (node instanceof List<?> list) {
      for (Object item : list) {
        if (mayReadOffer(item)) {
          return true;
        }
      }
      return false;
    }
    if (node instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        Object op = e.getKey();
        Object args = e.getValue();
        if (op instanceof String name) {
          if (name.startsWith("offer") || SCOPE_CHANGE.contains(name)) {
            return true;
          }
          if (DATA_ACCESS.contains(name) && !literalPaths(args)) {
            return true;
          }
        }
        if (mayReadOffer(args)) {
          return true;
        }
      }
      return false;
    }
    return false;
  }

  private static boolean literalPaths(Object args) {
    if (args instanceof String s) {
      return !s.isEmpty();
    }
    if (args instanceof Number) {
      return true;
    }
    if (args instanceof List<?> list) {
      if (list.isEmpty()) {
        return false;
      }
      Object first = list.get(0);
      if (!(first instanceof String || first instanceof Number)) {
        return false;
      }
      if (first instanceof String s && s.isEmpty()) {
        return false;
      }
      for (Object item : list) {
        if (item instanceof Map<?, ?> || item instanceof List<?> nested && !allScalars(nested)) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  private static boolean allScalars(List<?> list) {
    for (Object item : list) {
      if (item instanceof Map<?, ?> || item instanceof List<?>) {
        return false;
      }
    }
    return true;
  }

  /**
   * Partially evaluates a rule for one offer: every {@code {"var": "offer.…"}} whose path names a
   * string, number or boolean of that offer is replaced by the value itself. The result means the
   * same for that offer and compiles to a rule that reads only customer and request data, whose
   * comparisons against constants take the compiler's fast paths. Returns {@code rule} itself when
   * nothing was replaced.
   *
   * <p>Only what reads the decision's data is replaced: the body of an operator that changes the
   * data scope ({@link #SCOPE_CHANGE}: its arguments after the first read the current element) and
   * the fallbacks of {@code try} (they read the error) are left as they are, so an {@code offer.…}
   * path there keeps reading what it reads under any other scope.
   */
  static Object specialise(Object rule, Map<String, Object> offerView) {
    if (rule instanceof List<?> list) {
      List<Object> copy = null;
      for (int i = 0; i < list.size(); i++) {
        Object item = list.get(i);
        Object replaced = specialise(item, offerView);
        if (replaced != item && copy == null) {
          copy = new java.util.ArrayList<>(list.subList(0, i));
        }
        if (copy != null) {
          copy.add(replaced);
        }
      }
      return copy == null ? rule : copy;
    }
    if (rule instanceof Map<?, ?> map) {
      if (map.size() == 1 && map.containsKey("var")) {
        Object args = map.get("var");
        Object path = args instanceof List<?> l && !l.isEmpty() ? l.get(0) : args;
        if (path instanceof String text && text.startsWith("offer.")) {
          Object value = offerValue(text.substring("offer.".length()), offerView);
          if (value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value;
          }
        }
        return rule;
      }
      Map<Object, Object> copy = null;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        Object replaced =
            (SCOPE_CHANGE.contains(e.getKey()) || "try".equals(e.getKey()))
                    && e.getValue() instanceof List<?> args
                    && !args.isEmpty()
                ? specialiseFirst(args, offerView)
                : specialise(e.getValue(), offerView);
        if (replaced != e.getValue() && copy == null) {
          copy = new java.util.LinkedHashMap<>(map);
        }
        if (copy != null) {
          copy.put(e.getKey(), replaced);
        }
      }
      return copy == null ? rule : copy;
    }
    return rule;
  }

  /** {@code args} with only its first argument specialised (what reads the decision's data). */
  private static Object specialiseFirst(List<?> args, Map<String, Object> offerView) {
    Object first = specialise(args.get(0), offerView);
    if (first == args.get(0)) {
      return args;
    }
    List<Object> copy = new java.util.ArrayList<>(args);
    copy.set(0, first);
    return copy;
  }

  private static Object offerValue(String path, Map<String, Object> offerView) {
    Object current = offerView;
    for (String segment : path.split("\\.", -1)) {
      if (!(current instanceof Map<?, ?> map)) {
        return null;
      }
      current = map.get(segment);
    }
    return current;
  }
}
