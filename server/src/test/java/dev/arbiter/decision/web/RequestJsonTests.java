package dev.arbiter.decision.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.arbiter.decision.RecommendRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;

/**
 * The streaming request reader against data binding: equal requests (numbers of the same class) or
 * the same error, over generated bodies that mix what channels send with what they should not.
 */
class RequestJsonTests {
  private static final List<JsonMapper> MAPPERS =
      List.of(
          JsonMapper.builder().build(),
          JsonMapper.builder()
              .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
              .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
              .build());

  private static final String[] VALUES = {
    "\"c-1\"",
    "null",
    "17",
    "-3",
    "2147483648",
    "1.5",
    "1e3",
    "true",
    "false",
    "\"\"",
    "\"é\\\"\\\\\\u0041😀\"",
    "[]",
    "[1,\"a\",null,[true]]",
    "{}",
    "{\"a\":{\"b\":[1,{\"c\":null}]}}",
    "{\"balance\":1500,\"age\":40}",
    "{\"x\":1.25}",
    "{\"big\":123456789012345678901234567890}",
    "{\"l\":9007199254740993}",
    "{\"dup\":1,\"dup\":2}",
    "\"5\""
  };
  private static final String[] NAMES = {
    "customerId", "channel", "placement", "flowKey", "limit", "attributes", "context", "other"
  };
  private static final String[] BREAKAGES = {"", "", "", "", " ", "x", "}", "{}", ",", "\u0000"};

  @Test
  void shouldReadWhatDataBindingReads() {
    Random random = new Random(7);
    int fast = 0;
    for (int i = 0; i < 5000; i++) {
      StringBuilder b = new StringBuilder("{");
      for (int f = 0, n = random.nextInt(6); f < n; f++) {
        if (f > 0) {
          b.append(',');
        }
        String name = NAMES[random.nextInt(NAMES.length)];
        String value =
            switch (name) {
              case "customerId", "channel", "placement", "flowKey" ->
                  random.nextInt(5) == 0 ? VALUES[random.nextInt(VALUES.length)] : "\"v" + i + "\"";
              case "limit" -> random.nextInt(3) == 0 ? VALUES[random.nextInt(VALUES.length)] : "5";
              default ->
                  random.nextInt(3) == 0
                      ? VALUES[random.nextInt(VALUES.length)]
                      : VALUES[13 + random.nextInt(4)];
            };
        b.append('"').append(name).append("\":").append(value);
      }
      b.append('}');
      String body = b.toString();
      if (random.nextInt(4) == 0) { // cut or extend it
        body =
            random.nextBoolean()
                ? body.substring(0, random.nextInt(body.length()))
                : body + BREAKAGES[random.nextInt(BREAKAGES.length)];
      }
      for (JsonMapper mapper : MAPPERS) {
        fast += compare(mapper.readerFor(RecommendRequest.class), body) ? 1 : 0;
      }
    }
    assertThat(fast).as("bodies data binding accepted").isGreaterThan(2000);
  }

  /**
   * @return whether data binding accepted it
   */
  private static boolean compare(ObjectReader reader, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    RecommendRequest expected;
    try {
      expected = reader.readValue(bytes);
    } catch (RuntimeException e) {
      Throwable actual = catchThrowable(() -> new RequestJson(reader).read(bytes));
      assertThat(actual).as(body).isNotNull().hasSameClassAs(e).hasMessage(e.getMessage());
      return false;
    }
    RecommendRequest actual = new RequestJson(reader).read(bytes);
    assertThat(actual).as(body).isEqualTo(expected);
    // equal maps can still hold numbers of another class (1 and 1L differ for rules)
    assertThat(String.valueOf(classes(actual)))
        .as(body)
        .isEqualTo(String.valueOf(classes(expected)));
    return true;
  }

  private static String classes(Object v) {
    if (v instanceof RecommendRequest r) {
      return classes(
              List.of(String.valueOf(r.limit()), nullable(r.attributes()), nullable(r.context())))
          + (r.limit() == null ? "" : r.limit().getClass().getName());
    }
    if (v instanceof java.util.Map<?, ?> m) {
      StringBuilder b = new StringBuilder(m.getClass().getSimpleName()).append('{');
      m.forEach((k, x) -> b.append(k).append('=').append(classes(x)).append(','));
      return b.append('}').toString();
    }
    if (v instanceof List<?> l) {
      StringBuilder b = new StringBuilder(l.getClass().getSimpleName()).append('[');
      l.forEach(x -> b.append(classes(x)).append(','));
      return b.append(']').toString();
    }
    return v == null ? "null" : v.getClass().getSimpleName() + ":" + v;
  }

  private static Object nullable(Object o) {
    return o == null ? "null" : o;
  }
}
