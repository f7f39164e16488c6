package dev.arbiter.decision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.engine.pipeline.RankedOffer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** A returned offer as decision.made.v1 carries it: the answer's fields minus content. */
class DecidedOfferTests {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final RankedOffer OFFER =
      new RankedOffer(2, "k", null, "n", 0.5, 0.25, true, Map.of("headline", "h"));

  @Test
  void shouldWriteTheOffersFieldsInOrderWithoutContent() {
    assertThat(JSON.writeValueAsString(new RecommendService.DecidedOffer(OFFER, null, Map.of())))
        .isEqualTo(
            "{\"rank\":2,\"offerKey\":\"k\",\"offerId\":null,\"name\":\"n\",\"score\":0.5,"
                + "\"propensity\":0.25,\"fallback\":true,\"category\":null}");
    assertThat(
            JSON.writeValueAsString(
                new RecommendService.DecidedOffer(OFFER, "cards", Map.of("balance", 1))))
        .isEqualTo(
            "{\"rank\":2,\"offerKey\":\"k\",\"offerId\":null,\"name\":\"n\",\"score\":0.5,"
                + "\"propensity\":0.25,\"fallback\":true,\"category\":\"cards\","
                + "\"bins\":{\"balance\":1}}");
  }
}
