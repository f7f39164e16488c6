package dev.arbiter.engine.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PathTableTests {

  /** A map that counts its lookups by key. */
  static final class CountingMap extends HashMap<String, Object> {
    final Map<Object, Integer> gets = new HashMap<>();

    CountingMap(Map<String, ?> content) {
      super(content);
    }

    @Override
    public Object get(Object key) {
      gets.merge(key, 1, Integer::sum);
      return super.get(key);
    }
  }

  private static CompiledRule compile(String json, PathTable table) throws Exception {
    return JsonLogic.compile(JsonValues.MAPPER.readValue(json, Object.class), table);
  }

  @Test
  void shouldResolveEachPathOncePerBoundDataWhateverHowManyRulesReadIt() throws Exception {
    PathTable table = PathTable.forRoots("customer", "request");
    List<CompiledRule> rules =
        List.of(
            compile(
                "{\"and\":[{\">=\":[{\"var\":\"customer.balance\"},1000]},"
                    + "{\"==\":[{\"var\":\"request.channel\"},\"web\"]}]}",
                table),
            compile("{\"<\":[{\"var\":\"customer.balance\"},5000]}", table),
            compile("{\"in\":[{\"var\":\"request.channel\"},[\"web\",\"app\"]]}", table),
            compile("{\"!\":[{\"var\":\"customer.blocked\"}]}", table));
    table.freeze();
    assertThat(table.paths())
        .containsExactly("customer.balance", "request.channel", "customer.blocked");

    CountingMap customer = new CountingMap(Map.of("balance", 2500, "blocked", false));
    CountingMap request = new CountingMap(Map.of("channel", "web"));
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("customer", customer);
    data.put("request", request);
    BoundData bound = table.bind(data);
    for (int round = 0; round < 10; round++) {
      for (CompiledRule rule : rules) {
        assertThat(rule.test(bound)).isTrue();
      }
    }
    assertThat(customer.gets)
        .containsExactlyInAnyOrderEntriesOf(Map.of("balance", 1, "blocked", 1));
    assertThat(request.gets).containsExactlyInAnyOrderEntriesOf(Map.of("channel", 1));

    // the same rules against the plain data walk the maps every time, with the same answers
    for (CompiledRule rule : rules) {
      assertThat(rule.test(data)).isTrue();
    }
    assertThat(customer.gets.get("balance")).isGreaterThanOrEqualTo(3);
  }

  @Test
  void shouldNotGiveSlotsToPathsOutsideItsRoots() throws Exception {
    PathTable table = PathTable.forRoots("customer");
    CompiledRule rule =
        compile(
            "{\"and\":[{\">=\":[{\"var\":\"customer.balance\"},{\"var\":\"offer.minBalance\"}]},"
                + "{\"var\":\"\"}]}",
            table);
    table.freeze();
    assertThat(table.paths()).containsExactly("customer.balance");

    // offer changes between evaluations on the same bound data: its path is read every time
    Map<String, Object> data = new HashMap<>();
    data.put("customer", Map.of("balance", 2500));
    data.put("offer", Map.of("minBalance", 1000));
    BoundData bound = table.bind(data);
    assertThat(rule.test(bound)).isTrue();
    data.put("offer", Map.of("minBalance", 3000));
    assertThat(rule.test(bound)).isFalse();
  }

  @Test
  void shouldTellAMissingPathFromANullOneThroughSlots() throws Exception {
    PathTable table = PathTable.forAllPaths();
    CompiledRule missing = compile("{\"missing\":[\"a\",\"b\"]}", table);
    CompiledRule fallback = compile("{\"var\":[\"a\",\"default\"]}", table);
    CompiledRule exists = compile("{\"exists\":\"a\"}", table);
    table.freeze();
    Map<String, Object> data = new HashMap<>();
    data.put("a", null);
    BoundData bound = table.bind(data);
    for (int round = 0; round < 2; round++) {
      assertThat(missing.evaluate(bound)).isEqualTo(List.of("a", "b"));
      // a present null is not missing for var's default, nor for exists
      assertThat(fallback.evaluate(bound)).isNull();
      assertThat(exists.evaluate(bound)).isEqualTo(true);
    }
  }

  @Test
  void shouldHandOutTheConstantsInstanceForAnEqualSlotValue() throws Exception {
    PathTable table = PathTable.forRoots("request");
    compile("{\"==\":[{\"var\":\"request.channel\"},\"web\"]}", table);
    CompiledRule read = compile("{\"var\":\"request.channel\"}", table);
    CompiledRule other = compile("{\"var\":\"request.placement\"}", table);
    table.freeze();
    // values parsed from JSON are new instances, equal to the rule's constant but not it
    String channel = new String("web".toCharArray());
    String placement = new String("hero".toCharArray());
    BoundData bound =
        table.bind(Map.of("request", Map.of("channel", channel, "placement", placement)));
    // "web" is a constant some rule compares the path with: its (interned) instance is used
    assertThat(read.evaluate(bound)).isSameAs("web").isNotSameAs(channel);
    // "hero" is no rule's constant: the data's own instance
    assertThat(other.evaluate(bound)).isSameAs(placement);
  }

  @Test
  void shouldRefuseToCompileIntoAFrozenTable() {
    PathTable table = PathTable.forAllPaths().freeze();
    assertThatThrownBy(() -> compile("{\"var\":\"a\"}", table))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("frozen");
  }

  @Test
  void shouldIgnoreDataBoundToAnotherTable() throws Exception {
    PathTable one = PathTable.forAllPaths();
    PathTable other = PathTable.forAllPaths();
    CompiledRule rule = compile("{\"var\":\"x\"}", one);
    compile("{\"var\":\"y\"}", other);
    compile("{\"var\":\"x\"}", other);
    one.freeze();
    other.freeze();
    // in `other`, x has slot 1 and y slot 0: reading `one`'s slot 0 from it would answer y
    assertThat(rule.evaluate(other.bind(Map.of("x", 1, "y", 2)))).isEqualTo(1);
  }
}
