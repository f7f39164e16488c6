package dev.arbiter.decision.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.decision.RecommendService.Answer;
import dev.arbiter.engine.pipeline.RankedOffer;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.core.json.JsonWriteFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** The hand-written answer writer against data binding of the same answer: the same bytes. */
class AnswerJsonTests {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final AnswerJson WRITER = new AnswerJson(JSON.writer());

  @Test
  void shouldPutAnswersTogetherFromBytesOnlyForAMapperThatWritesAsItDoes() {
    assertThat(WRITER.direct()).isTrue();
    assertThat(new AnswerJson(JsonMapper.builder().build().writer()).direct()).isTrue();
    assertThat(
            new AnswerJson(
                    JsonMapper.builder()
                        .enable(SerializationFeature.INDENT_OUTPUT)
                        .build()
                        .writer())
                .direct())
        .isFalse();
    assertThat(
            new AnswerJson(
                    JsonMapper.builder()
                        .enable(JsonWriteFeature.WRITE_NUMBERS_AS_STRINGS)
                        .build()
                        .writer())
                .direct())
        .isFalse();
  }

  @Test
  void shouldWriteWhatDataBindingWrites() {
    for (long seed = 0; seed < 2000; seed++) {
      writeLikeDataBinding(seed);
    }
  }

  private static void writeLikeDataBinding(long seed) {
    Answer answer = answer(new Random(seed));

    byte[] expected = JSON.writeValueAsBytes(answer);
    var written = WRITER.write(answer);
    assertThat(written.toString(StandardCharsets.UTF_8))
        .as("seed %d", seed)
        .isEqualTo(new String(expected, StandardCharsets.UTF_8));
    // put together from bytes unless it carries a trace or a score that is not finite
    boolean finite =
        answer.offers().stream()
            .allMatch(o -> Double.isFinite(o.score()) && Double.isFinite(o.propensity()));
    assertThat(written instanceof AnswerJson.Bytes)
        .as("seed %d", seed)
        .isEqualTo(answer.trace() == null && finite);
  }

  /** Ids that are not plain (the generator escapes them), and absent keys. */
  @Test
  void shouldWriteOddIdsAndAbsentKeysAsDataBindingDoes() {
    List<RankedOffer> offers =
        List.of(
            new RankedOffer(1, null, null, null, 0.5, 0.5, false, null),
            new RankedOffer(2, "k", "i", "n", 1, 0, true, Map.of()));
    for (Answer answer :
        List.of(
            new Answer("d \"1\"", null, 1, 2, offers, "t/ü", null),
            new Answer("", "f", 1, 2, offers, "", null),
            new Answer(null, "f", 1, 2, List.of(), null, null))) {
      var written = WRITER.write(answer);
      assertThat(written).isInstanceOf(AnswerJson.Bytes.class);
      assertThat(written.toString(StandardCharsets.UTF_8))
          .isEqualTo(JSON.writeValueAsString(answer));
    }
  }

  /** A random answer: offers with odd text, scores, missing fields, content; sometimes a trace. */
  private static Answer answer(Random random) {
    List<RankedOffer> offers = new ArrayList<>();
    for (int i = 0, n = random.nextInt(7); i < n; i++) {
      offers.add(
          new RankedOffer(
              i + 1,
              text(random),
              random.nextInt(5) == 0 ? null : "01a2" + random.nextInt(1_000_000),
              random.nextInt(4) == 0 ? null : text(random),
              random.nextInt(10) == 0 ? Double.NaN : random.nextDouble() * 3 - 1,
              random.nextInt(10) == 0 ? 0.0 : random.nextDouble(),
              random.nextBoolean(),
              random.nextInt(6) == 0 ? null : object(random, 3)));
    }
    Map<String, Object> trace = random.nextInt(3) == 0 ? object(random, 3) : null;
    return new Answer(
        "d-" + random.nextInt(),
        text(random),
        random.nextInt(1000),
        random.nextLong(),
        offers,
        trace != null || random.nextBoolean() ? "t-" + random.nextInt() : null,
        trace);
  }

  @Test
  void shouldBindContentThatIsNotPlainJsonValues() {
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("when", java.time.Instant.parse("2026-11-29T12:00:00Z"));
    content.put("keys", Map.of(1, "one"));
    content.put("tags", java.util.Set.of("x"));
    content.put("float", 1.5f);
    content.put("short", (short) 7);
    Answer answer =
        new Answer(
            "d",
            "f",
            1,
            2,
            List.of(new RankedOffer(1, "k", "i", "n", 0.5, 0.25, false, content)),
            null,
            null);
    assertThat(WRITER.write(answer).toString(StandardCharsets.UTF_8))
        .isEqualTo(JSON.writeValueAsString(answer));
  }

  /**
   * An offer's kept pieces serve only the instances they were rendered from: the same key with a
   * new name or content (a catalog change) is rendered anew, the old instances still as before.
   */
  @Test
  void shouldRenderAnOfferAnewWhenTheCatalogChangesIt() {
    AnswerJson writer = new AnswerJson(JSON.writer());
    RankedOffer before = new RankedOffer(1, "gold", "o-1", "Gold", 0.5, 0.25, false, content("a"));
    RankedOffer renamed =
        new RankedOffer(1, "gold", "o-1", new String("Gold card"), 0.5, 0.25, false, content("a"));
    RankedOffer recontented =
        new RankedOffer(1, "gold", "o-1", "Gold card", 0.5, 0.25, false, content("b"));

    for (RankedOffer o : List.of(before, before, renamed, before, recontented, renamed)) {
      Answer answer = new Answer("d", "f", 1, 2, List.of(o), null, null);
      assertThat(writer.write(answer).toString(StandardCharsets.UTF_8))
          .isEqualTo(JSON.writeValueAsString(answer));
    }
  }

  /**
   * Settings that change how the mapper writes: the answer follows them, from bytes where only the
   * pieces the generator renders change (escaping), through the generator otherwise.
   */
  @Test
  void shouldWriteAsAMapperWithOtherSettingsWrites() {
    Map<JsonMapper, Boolean> fromBytes =
        Map.of(
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build(), false,
            JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build(), true,
            JsonMapper.builder().enable(JsonWriteFeature.WRITE_NUMBERS_AS_STRINGS).build(), false,
            JsonMapper.builder().disable(JsonWriteFeature.QUOTE_PROPERTY_NAMES).build(), false);
    fromBytes.forEach(
        (mapper, direct) -> {
          AnswerJson writer = new AnswerJson(mapper.writer());
          assertThat(writer.direct()).isEqualTo(direct);
          for (long seed = 0; seed < 200; seed++) {
            Answer answer = answer(new Random(seed));
            assertThat(writer.write(answer).toString(StandardCharsets.UTF_8))
                .as("seed %d", seed)
                .isEqualTo(mapper.writeValueAsString(answer));
          }
        });
  }

  private static Map<String, Object> content(String headline) {
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("headline", headline);
    content.put("url", "https://example.com/" + headline + "/é");
    return java.util.Collections.unmodifiableMap(content);
  }

  private static Map<String, Object> object(Random random, int depth) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0, n = random.nextInt(4); i < n; i++) {
      m.put(text(random), value(random, depth - 1));
    }
    return m;
  }

  private static Object value(Random random, int depth) {
    return switch (random.nextInt(depth > 0 ? 11 : 9)) {
      case 0 -> null;
      case 1 -> text(random);
      case 2 -> random.nextInt();
      case 3 -> random.nextLong();
      case 4 -> random.nextDouble() * 1e6;
      case 5 -> random.nextBoolean();
      case 6 -> new BigDecimal(BigInteger.valueOf(random.nextLong()), random.nextInt(20) - 5);
      case 7 -> BigInteger.valueOf(random.nextLong()).multiply(BigInteger.TEN.pow(20));
      case 8 -> random.nextInt(2) == 0 ? 1e300 : -0.0;
      case 9 -> object(random, depth);
      default -> {
        List<Object> list = new ArrayList<>();
        for (int i = 0, n = random.nextInt(4); i < n; i++) {
          list.add(value(random, depth - 1));
        }
        yield list;
      }
    };
  }

  /** Text with what JSON must escape: quotes, backslashes, controls, non-ASCII, surrogates. */
  private static String text(Random random) {
    String[] parts = {"a", "Offer 7", "\"", "\\", "\n", "\u0001", "é", "中", "😀", "</script>", ""};
    StringBuilder b = new StringBuilder();
    for (int i = 0, n = random.nextInt(5); i < n; i++) {
      b.append(parts[random.nextInt(parts.length)]);
    }
    return b.toString();
  }
}
