package dev.arbiter.engine.catalog;

import dev.arbiter.engine.rules.CompiledRule;
import dev.arbiter.engine.trace.Reason;
import java.util.Objects;

/**
 * A compiled, active qualification rule. Immutable and thread-safe.
 *
 * @param ordinal index among the snapshot's active rules, for per-decision memos
 * @param id may be null
 * @param key the rule's key
 * @param name may be null
 * @param scopeType which offers it applies to
 * @param scopeValue the category, subcategory or offer key; null for {@link RuleScopeType#ALL}
 * @param rule the compiled expression
 * @param readsOffer false when the expression provably reads no {@code offer} data
 * @param memoSlot for a rule that reads no offer data and applies to more than one offer, or shares
 *     its expression with other such rules, its slot in the per-decision memo (one evaluation per
 *     decision serves every offer; rules with equal expressions share a slot); else -1
 */
public record QualificationRule(
    int ordinal,
    String id,
    String key,
    String name,
    RuleScopeType scopeType,
    String scopeValue,
    CompiledRule rule,
    boolean readsOffer,
    int memoSlot) {
  public QualificationRule {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(scopeType, "scopeType");
    Objects.requireNonNull(rule, "rule");
  }

  /** This rule with its per-decision memo slot. */
  QualificationRule withMemoSlot(int slot) {
    return new QualificationRule(
        ordinal, id, key, name, scopeType, scopeValue, rule, readsOffer, slot);
  }

  /** Whether one evaluation per decision can serve every offer the rule applies to. */
  public boolean memoizable() {
    return !readsOffer && scopeType != RuleScopeType.OFFER;
  }

  /** Whether the rule applies to an offer with these fields. */
  public boolean appliesTo(String offerKey, String category, String subcategory) {
    return switch (scopeType) {
      case ALL -> true;
      case CATEGORY -> scopeValue.equals(category);
      case SUBCATEGORY -> scopeValue.equals(subcategory);
      case OFFER -> scopeValue.equals(offerKey);
    };
  }

  /** The reason recorded when the rule does not hold: {@code rule min_balance: … failed}. */
  public Reason failure() {
    return new Failed(this);
  }

  private record Failed(QualificationRule rule) implements Reason {
    @Override
    public String code() {
      return "rule";
    }

    @Override
    public String text() {
      return "rule " + rule.key() + ": " + rule.rule().describe() + " failed";
    }
  }
}
