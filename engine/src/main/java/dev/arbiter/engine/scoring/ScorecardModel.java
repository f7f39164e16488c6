package dev.arbiter.engine.scoring;

import dev.arbiter.engine.rules.CompiledRule;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A scorecard: a base score plus the points of every condition that holds, normalised into [0, 1].
 *
 * <p>Config:
 *
 * <pre>{@code
 * {"baseScore": 0,
 *  "conditions": [
 *    {"name": "adult", "attribute": "customer.age", "op": ">=", "value": 18, "points": 10},
 *    {"name": "rich", "rule": {">=": [{"var": "customer.balance"}, 1000]}, "points": 25}],
 *  "normalisation": {"type": "sigmoid", "midpoint": 20, "scale": 10}}
 * }</pre>
 *
 * A condition is either a simple predicate ({@code attribute} path, {@code op} one of {@code == !=
 * > >= < <= in not_in exists}, {@code value}; a missing attribute makes it false, except for {@code
 * not_in}) or a JSON Logic {@code rule} over the decision data. Normalisation {@code sigmoid} gives
 * {@code 1 / (1 + e^-((score - midpoint) / scale))} (defaults midpoint 0, scale 1); {@code linear}
 * gives {@code (score - min) / (max - min)} clamped to [0, 1] ({@code min < max} required). A rule
 * that raises an error is a model error (fallback score).
 *
 * @param key the model's key
 * @param fallbackScore in [0, 1]
 * @param baseScore finite
 * @param conditions in config order
 * @param normalisation how the points become a propensity
 */
public record ScorecardModel(
    String key,
    double fallbackScore,
    double baseScore,
    List<Condition> conditions,
    Normalisation normalisation)
    implements ScoringModel {

  /** A scorecard condition and the points it adds when it holds. */
  public sealed interface Condition permits RuleCondition, PredicateCondition {
    String name();

    double points();

    boolean readsOffer();

    /**
     * @throws RuntimeException when a rule raises an error
     */
    boolean holds(Map<String, ?> data);
  }

  /**
   * A JSON Logic condition.
   *
   * @param readsOffer whether the rule may read {@code offer} data
   */
  public record RuleCondition(String name, CompiledRule rule, double points, boolean readsOffer)
      implements Condition {
    @Override
    public boolean holds(Map<String, ?> data) {
      return rule.test(data);
    }
  }

  /** The operators of a {@link PredicateCondition}. */
  public enum Operator {
    EQ("=="),
    NE("!="),
    GT(">"),
    GE(">="),
    LT("<"),
    LE("<="),
    IN("in"),
    NOT_IN("not_in"),
    EXISTS("exists");

    private final String symbol;

    Operator(String symbol) {
      this.symbol = symbol;
    }

    public String symbol() {
      return symbol;
    }

    /** The operator written {@code symbol} in config, or null. */
    public static Operator fromSymbol(String symbol) {
      for (Operator op : values()) {
        if (op.symbol.equals(symbol)) {
          return op;
        }
      }
      return null;
    }
  }

  /**
   * A simple predicate over one attribute.
   *
   * @param value the operand: a number or string for comparisons, a list for {@code in}/{@code
   *     not_in}, ignored for {@code exists}
   */
  public record PredicateCondition(
      String name, FeaturePath attribute, Operator operator, Object value, double points)
      implements Condition {
    public PredicateCondition {
      value = value instanceof List<?> list ? List.copyOf(list) : value;
    }

    @Override
    public boolean readsOffer() {
      return attribute.readsOffer();
    }

    @Override
    public boolean holds(Map<String, ?> data) {
      Object actual = attribute.resolve(data);
      return switch (operator) {
        case EXISTS -> actual != null;
        case EQ -> actual != null && same(actual, value);
        case NE -> actual != null && !same(actual, value);
        case GT -> compare(actual, value) > 0;
        case GE -> compare(actual, value) >= 0 && comparable(actual, value);
        case LT -> compare(actual, value) < 0 && comparable(actual, value);
        case LE -> compare(actual, value) <= 0 && comparable(actual, value);
        case IN -> actual != null && contains((List<?>) value, actual);
        case NOT_IN -> actual == null || !contains((List<?>) value, actual);
      };
    }

    private static boolean same(Object a, Object b) {
      if (a instanceof Number x && b instanceof Number y) {
        return x.doubleValue() == y.doubleValue();
      }
      return a.equals(b);
    }

    private static boolean contains(List<?> list, Object actual) {
      for (Object candidate : list) {
        if (candidate != null && same(actual, candidate)) {
          return true;
        }
      }
      return false;
    }

    private static boolean comparable(Object a, Object b) {
      return (a instanceof Number && b instanceof Number)
          || (a instanceof String && b instanceof String);
    }

    /** Orders numbers and strings; anything else compares as "not greater" (Integer.MIN_VALUE). */
    private static int compare(Object a, Object b) {
      if (a instanceof Number x && b instanceof Number y) {
        double dx = x.doubleValue();
        double dy = y.doubleValue();
        if (Double.isNaN(dx) || Double.isNaN(dy)) {
          return Integer.MIN_VALUE;
        }
        return Double.compare(dx, dy);
      }
      if (a instanceof String x && b instanceof String y) {
        return x.compareTo(y);
      }
      return Integer.MIN_VALUE;
    }
  }

  /**
   * How points become a propensity.
   *
   * @param sigmoid true for sigmoid, false for linear
   * @param midpoint sigmoid midpoint
   * @param scale sigmoid scale, positive
   * @param min linear lower bound
   * @param max linear upper bound, above {@code min}
   */
  public record Normalisation(
      boolean sigmoid, double midpoint, double scale, double min, double max) {
    public static Normalisation sigmoid(double midpoint, double scale) {
      return new Normalisation(true, midpoint, scale, 0, 0);
    }

    public static Normalisation linear(double min, double max) {
      return new Normalisation(false, 0, 1, min, max);
    }

    public double apply(double points) {
      if (sigmoid) {
        return ScoringModel.sigmoid((points - midpoint) / scale);
      }
      return Math.min(1, Math.max(0, (points - min) / (max - min)));
    }
  }

  public ScorecardModel {
    Objects.requireNonNull(key, "key");
    conditions = List.copyOf(conditions);
    Objects.requireNonNull(normalisation, "normalisation");
  }

  @Override
  public String type() {
    return "scorecard";
  }

  @Override
  public boolean offerIndependent() {
    for (Condition c : conditions) {
      if (c.readsOffer()) {
        return false;
      }
    }
    return true;
  }

  /** The points before normalisation. */
  public double points(Map<String, ?> data) {
    double points = baseScore;
    for (Condition condition : conditions) {
      if (condition.holds(data)) {
        points += condition.points();
      }
    }
    return points;
  }

  @Override
  public double score(
      ScoringSubject subject, Map<String, ?> data, ModelState state, SeededRandom random) {
    double p = normalisation.apply(points(data));
    return Double.isNaN(p) ? Double.NaN : p;
  }
}
