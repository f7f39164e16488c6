package dev.arbiter.engine.rules;

import static dev.arbiter.engine.rules.JsonValues.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class JsonLogicTests {
  static final String FIVE_CLAUSES =
      """
      {"and": [
        {">=": [{"var": "customer.balance"}, 1000]},
        {"in": [{"var": "request.channel"}, ["web", "app"]]},
        {"<": [{"var": "customer.age"}, 65]},
        {"!": [{"var": "customer.blocked"}]},
        {"==": [{"var": "customer.tier"}, "gold"]}
      ]}""";

  static CompiledRule compile(String json) throws RuleCompilationException {
    return JsonLogic.compile(parse(json));
  }

  static Map<String, Object> customer(Object balance) {
    Map<String, Object> customer = new HashMap<>();
    customer.put("balance", balance);
    customer.put("age", 40);
    customer.put("blocked", false);
    customer.put("tier", "gold");
    return Map.of("customer", customer, "request", Map.of("channel", "web"));
  }

  @Test
  void shouldEvaluateTheFiveClauseQualificationRule() throws Exception {
    CompiledRule rule = compile(FIVE_CLAUSES);

    assertThat(rule.test(customer(1500))).isTrue();
    assertThat(rule.evaluate(customer(1500))).isEqualTo(true);
    assertThat(rule.test(customer(999))).isFalse();
    assertThat(rule.evaluate(customer(999))).isEqualTo(false);
    assertThat(rule.test(Map.of())).isFalse();
  }

  @Test
  void shouldTreatEveryNumberTypeAlike() throws Exception {
    CompiledRule rule = compile(FIVE_CLAUSES);
    for (Object balance :
        List.of(
            1000,
            1000L,
            1000.0,
            1000.0f,
            (short) 1000,
            new BigDecimal("1000.00"),
            BigInteger.valueOf(1000),
            "1000")) {
      assertThat(rule.test(customer(balance))).as("%s", balance.getClass()).isTrue();
    }
    for (Object balance : List.of(999, 999L, 999.99, new BigDecimal("999.999"), "999.5")) {
      assertThat(rule.test(customer(balance))).as("%s", balance.getClass()).isFalse();
    }
    assertThat(compile("{\"==\": [1, 1.0]}").test(null)).isTrue();
    assertThat(compile("{\"===\": [{\"var\": \"x\"}, 1]}").test(Map.of("x", new BigDecimal("1.0"))))
        .isTrue();
  }

  @Test
  void shouldDescribeTheRuleForAPerson() throws Exception {
    assertThat(compile(FIVE_CLAUSES).describe())
        .isEqualTo(
            "customer.balance >= 1000 and request.channel in [\"web\", \"app\"]"
                + " and customer.age < 65 and not customer.blocked and customer.tier == \"gold\"");
    assertThat(
            compile(
                    """
                    {"or": [{"and": [{"var": "a"}, {"var": "b"}]},
                            {"!": {">": [{"*": [{"+": [{"var": "x"}, 1]}, 2]}, 10]}}]}""")
                .describe())
        .isEqualTo("(a and b) or not ((x + 1) * 2 > 10)");
    assertThat(compile("{\"if\": [{\"var\": \"vip\"}, \"gold\", \"standard\"]}").describe())
        .isEqualTo("if vip then \"gold\" else \"standard\"");
    assertThat(compile("{\"-\": [{\"var\": \"a\"}, {\"-\": [{\"var\": \"b\"}, 1]}]}").describe())
        .isEqualTo("a - (b - 1)");
  }

  @Test
  void shouldReportEveryProblemAtOnceWithItsPath() {
    RuleCompilationException e =
        catchThrowableOfType(
            RuleCompilationException.class,
            () ->
                compile(
                    """
                    {"and": [
                      {">=": [{"var": "customer.balance"}]},
                      {"exec": ["rm -rf /"]},
                      {"+": ["ten", 1]},
                      {"/": [1, [2]]},
                      {"if": "yes"},
                      {"var": "a", "extra": 1}
                    ]}"""));

    assertThat(e.problems())
        .extracting(RuleProblem::path)
        .containsExactly(
            "/and/0/>=", "/and/1/exec", "/and/2/+/0", "/and/3/~1/1", "/and/4/if", "/and/5");
    assertThat(e.problems().get(1).message()).startsWith("unknown operator \"exec\"");
    assertThat(e.getMessage()).startsWith("/and/0/>=: >= takes at least 2 operand(s), got 1");
  }

  @Test
  void shouldRejectValuesThatAreNotJson() {
    RuleCompilationException e =
        catchThrowableOfType(
            RuleCompilationException.class,
            () -> JsonLogic.compile(Map.of("==", List.of(new Object(), Double.NaN))));

    assertThat(e.problems()).extracting(RuleProblem::path).containsExactly("/==/0", "/==/1");
  }

  @Test
  void shouldRaiseTypedErrorsAtEvaluation() throws Exception {
    RuleEvaluationException nan =
        catchThrowableOfType(
            RuleEvaluationException.class,
            () -> compile("{\"/\": [1, {\"var\": \"x\"}]}").evaluate(Map.of("x", 0)));
    assertThat(nan.type()).isEqualTo("NaN");

    RuleEvaluationException thrown =
        catchThrowableOfType(
            RuleEvaluationException.class,
            () ->
                compile("{\"throw\": {\"var\": \"e\"}}")
                    .evaluate(parse("{\"e\": {\"type\": \"x\", \"code\": 7}}")));
    assertThat(thrown.type()).isEqualTo("x");
    assertThat(thrown.error().get("code")).isEqualTo(7);

    assertThat(
            compile(
                    "{\"try\": [{\"throw\": \"boom\"}, {\"cat\": [\"caught \", {\"var\": \"type\"}]}]}")
                .evaluate(null))
        .isEqualTo("caught boom");
  }

  @Test
  void shouldUseVarDefaultOnlyWhenTheValueIsAbsent() throws Exception {
    CompiledRule rule = compile("{\"var\": [\"a.b\", 9]}");
    assertThat(rule.evaluate(parse("{\"a\": {\"b\": 0}}"))).isEqualTo(0);
    assertThat(rule.evaluate(parse("{\"a\": {\"b\": null}}"))).isNull();
    assertThat(rule.evaluate(parse("{\"a\": {}}"))).isEqualTo(9);
    assertThat(rule.evaluate(null)).isEqualTo(9);
  }

  @Test
  void shouldFoldConstantsButKeepTheirErrorsForEvaluation() throws Exception {
    assertThat(compile("{\"+\": [1, {\"*\": [2, 3]}]}").evaluate(null)).isEqualTo(7L);
    assertThat(compile("{\"try\": [{\"/\": [1, 0]}, \"fallback\"]}").evaluate(null))
        .isEqualTo("fallback");
    assertThatThrownBy(() -> compile("{\"/\": [1, 0]}").evaluate(null))
        .isInstanceOf(RuleEvaluationException.class);
  }

  @Test
  void shouldNotChangeWhenTheCallerChangesTheRuleOrAResult() throws Exception {
    Map<String, Object> in = new HashMap<>();
    List<Object> channels = new ArrayList<>(List.of("web", "app"));
    in.put("in", List.of(Map.of("var", "channel"), channels));
    Map<String, Object> rule = new HashMap<>(Map.of("if", List.of(in, channels, "none")));
    CompiledRule compiled = JsonLogic.compile(rule);

    channels.add("sms");
    rule.put("if", List.of(true));

    assertThat(compiled.evaluate(Map.of("channel", "sms"))).isEqualTo("none");
    Object result = compiled.evaluate(Map.of("channel", "web"));
    assertThat(result).isEqualTo(List.of("web", "app"));
    assertThatThrownBy(() -> ((List<Object>) result).add("x"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(compiled.source()).isNotSameAs(rule);
    assertThat(JsonValues.write(compiled.source())).contains("\"web\",\"app\"]");
  }

  @Test
  void shouldGiveTheSameAnswersFromManyThreads() throws Exception {
    CompiledRule rule = compile(FIVE_CLAUSES);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> answers = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        int balance = 500 + i;
        answers.add(pool.submit(() -> rule.test(customer(balance)) == (balance >= 1000)));
      }
      for (Future<Boolean> answer : answers) {
        assertThat(answer.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void shouldKeepPathsApartThatOnlyLookAlike() throws Exception {
    CompiledRule rule =
        compile(
            """
            {"and": [{"==": [{"val": ["a.b", "c"]}, 1]}, {"==": [{"var": "a.b.c"}, 2]},
                     {"===": [{"val": ["a.b", "d"]}, "x"]}]}""");

    assertThat(rule.test(parse("{\"a.b\": {\"c\": 1, \"d\": \"x\"}, \"a\": {\"b\": {\"c\": 2}}}")))
        .isTrue();
  }

  @Test
  void shouldEvaluateFusedTestsInOrderWithTheirOwnErrors() throws Exception {
    CompiledRule rule =
        compile("{\"and\": [{\">\": [{\"var\": \"a\"}, 1]}, {\"==\": [{\"var\": \"b\"}, \"x\"]}]}");

    assertThat(rule.evaluate(parse("{\"a\": 0, \"b\": [1]}"))).isEqualTo(false);
    assertThatThrownBy(() -> rule.evaluate(parse("{\"a\": 2, \"b\": [1]}")))
        .isInstanceOf(RuleEvaluationException.class);
    assertThat(rule.evaluate(parse("{\"a\": \"5\", \"b\": \"x\"}"))).isEqualTo(true);
  }

  @Test
  void shouldAnswerTheSameOnceItHasLearnedTheKeysOfOneDocument() throws Exception {
    CompiledRule rule = compile(FIVE_CLAUSES);
    CompiledRule single = compile("{\">=\": [{\"var\": \"customer.balance\"}, 1000]}");
    for (int i = 0; i < 3 * Path.LEARNING_EVALUATIONS; i++) {
      assertThat(rule.test(customer(5000))).isTrue();
      assertThat(single.test(customer(5000))).isTrue();
    }
    // other key instances (as from another parser), other values, a missing key
    Map<String, Object> other = new HashMap<>();
    other.put(new String("balance"), 10);
    other.put(new String("age"), 40);
    Map<String, Object> data = new HashMap<>();
    data.put(new String("customer"), other);
    data.put(new String("request"), Map.of(new String("channel"), "web"));

    assertThat(rule.test(data)).isFalse();
    assertThat(single.test(data)).isFalse();
    other.put(new String("balance"), 2000);
    other.put(new String("tier"), "gold");
    assertThat(rule.test(data)).isTrue();
    assertThat(single.test(data)).isTrue();
  }

  @Test
  void shouldTreatAnOperationFoldedToAnArrayAsTheKeysOfVal() throws Exception {
    Object data = parse("{\"a\": {\"b\": 3}}");

    assertThat(compile("{\"val\": {\"merge\": []}}").evaluate(data)).isEqualTo(data);
    assertThat(compile("{\"val\": {\"merge\": [\"a\", [\"b\"]]}}").evaluate(data)).isEqualTo(3);
    assertThat(compile("{\"exists\": {\"merge\": [\"a\", \"b\"]}}").evaluate(data)).isEqualTo(true);
  }

  @Test
  void shouldNeverCrashOnDataOfAnUnexpectedShape() throws Exception {
    CompiledRule rule = compile(FIVE_CLAUSES);
    for (Object data :
        List.of(
            "text",
            42,
            List.of(1, 2),
            Map.of("customer", List.of()),
            Map.of("customer", Map.of("balance", List.of(1))),
            Map.of("customer", new Object()))) {
      try {
        rule.test(data);
      } catch (RuleEvaluationException expected) {
        assertThat(expected.type()).isIn("NaN", "Invalid Arguments");
      }
    }
  }
}
