package dev.arbiter.engine.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.engine.rules.JsonLogic;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A rule specialised for one offer answers as the rule itself does with that offer in the data:
 * only what reads the decision's data is replaced, never the body of an operator that changes the
 * data scope, nor a fallback of {@code try}.
 */
class RuleAnalysisTests {
  private static final Map<String, Object> OFFER =
      Map.of("key", "gold-card", "attributes", Map.of("product", "GOLD"));

  /** The result of {@code rule} on the customer with the offer in the data, and specialised. */
  private static void assertSameAnswer(Object rule, Map<String, Object> customer) throws Exception {
    Object specialised = RuleAnalysis.specialise(rule, OFFER);
    Object whole = JsonLogic.compile(rule).evaluate(Map.of("customer", customer, "offer", OFFER));
    Object partial = JsonLogic.compile(specialised).evaluate(Map.of("customer", customer));
    assertThat(partial).as("%s specialised to %s", rule, specialised).isEqualTo(whole);
  }

  @Test
  void shouldReplaceOfferPathsThatReadTheDecisionsData() throws Exception {
    Object rule =
        Map.of(
            "==", List.of(Map.of("var", "offer.attributes.product"), Map.of("var", "customer.x")));
    assertThat(RuleAnalysis.specialise(rule, OFFER))
        .isEqualTo(Map.of("==", List.of("GOLD", Map.of("var", "customer.x"))));
    assertSameAnswer(rule, Map.of("x", "GOLD"));
    assertSameAnswer(rule, Map.of("x", "SILVER"));
  }

  @Test
  void shouldLeaveTheBodiesOfIteratorsAsTheyAre() throws Exception {
    // inside none, "offer.attributes.product" is read from the current element, not the offer
    Object body =
        Map.of("==", List.of(Map.of("var", ""), Map.of("var", "offer.attributes.product")));
    for (String op : List.of("none", "some", "all", "filter", "map")) {
      Object rule = Map.of(op, List.of(Map.of("var", "customer.products"), body));
      assertThat(RuleAnalysis.specialise(rule, OFFER)).as(op).isSameAs(rule);
      assertSameAnswer(rule, Map.of("products", List.of("GOLD")));
      assertSameAnswer(rule, Map.of("products", List.of("SILVER", "GOLD")));
    }
    Object reduce =
        Map.of(
            "reduce",
            List.of(
                Map.of("var", "customer.products"),
                Map.of("cat", List.of(Map.of("var", "accumulator"), Map.of("var", "offer.key"))),
                ""));
    assertThat(RuleAnalysis.specialise(reduce, OFFER)).isSameAs(reduce);
    assertSameAnswer(reduce, Map.of("products", List.of("a", "b")));
  }

  @Test
  void shouldStillReplaceTheCollectionAnIteratorReads() throws Exception {
    // the collection is read from the decision's data: replaced; the body is not
    Object body = Map.of("==", List.of(Map.of("var", ""), Map.of("var", "offer.key")));
    Object rule =
        Map.of(
            "some",
            List.of(
                Map.of("merge", List.of(Map.of("var", "offer.attributes.product"), "X")), body));
    assertThat(RuleAnalysis.specialise(rule, OFFER))
        .isEqualTo(Map.of("some", List.of(Map.of("merge", List.of("GOLD", "X")), body)));
    assertSameAnswer(rule, Map.of());
  }
}
