package dev.arbiter.engine.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContactPolicyEvaluatorTests {
  private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

  private static ContactPolicy perOfferCap(int max) {
    return new ContactPolicy(
        0,
        "cap",
        null,
        PolicyType.FREQUENCY_CAP,
        PolicyScopeType.OFFER,
        null,
        "impression",
        max,
        Duration.ofDays(7),
        "P7D",
        null);
  }

  @Test
  void shouldCountEachOfManyOffersSeparately() {
    List<ContactEvent> history = new ArrayList<>();
    for (int offer = 0; offer < 40; offer++) {
      for (int n = 0; n <= offer % 4; n++) {
        history.add(
            new ContactEvent(
                "impression", "offer-" + offer, null, "web", NOW.minus(Duration.ofHours(n + 1))));
      }
    }
    ContactPolicyEvaluator evaluator = new ContactPolicyEvaluator(history, NOW, "web", 1);
    ContactPolicy cap = perOfferCap(3);

    for (int offer = 0; offer < 40; offer++) {
      Suppression suppression = evaluator.check(cap, "offer-" + offer, null);
      if (offer % 4 >= 2) {
        assertThat(suppression).as("offer-%d", offer).isNotNull();
        assertThat(suppression.count()).isEqualTo(offer % 4 + 1);
      } else {
        assertThat(suppression).as("offer-%d", offer).isNull();
      }
    }
    assertThat(evaluator.check(cap, "never-shown", null)).isNull();
  }

  @Test
  void shouldNotApplyAChannelPolicyToAnotherChannelOrARequestWithoutChannel() {
    ContactPolicy webCap =
        new ContactPolicy(
            0,
            "web",
            null,
            PolicyType.FREQUENCY_CAP,
            PolicyScopeType.CHANNEL,
            null,
            "impression",
            1,
            Duration.ofDays(1),
            "P1D",
            null);
    List<ContactEvent> history =
        List.of(new ContactEvent("impression", "a", null, "web", NOW.minusSeconds(60)));

    assertThat(new ContactPolicyEvaluator(history, NOW, "web", 1).check(webCap, "a", null))
        .isNotNull();
    assertThat(new ContactPolicyEvaluator(history, NOW, "app", 1).check(webCap, "a", null))
        .isNull();
    assertThat(new ContactPolicyEvaluator(history, NOW, null, 1).check(webCap, "a", null)).isNull();
  }

  @Test
  void shouldCountContactsRecordedAfterTheRequestTime() {
    List<ContactEvent> history =
        List.of(new ContactEvent("impression", "a", null, "web", NOW.plusSeconds(2)));

    assertThat(new ContactPolicyEvaluator(history, NOW, "web", 1).check(perOfferCap(1), "a", null))
        .isNotNull();
  }
}
