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
}
