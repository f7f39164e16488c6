package dev.arbiter.engine.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The evaluator (which groups long histories by outcome and tallies each policy once) against a
 * reference that counts every check from scratch, over generated histories of 0 to 400 events with
 * up to seven outcomes and every policy type and scope.
 */
class ContactPolicyEvaluatorPropertyTests {
  private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
  private static final String[] OUTCOMES = {
    "decision", "impression", "reject", "click", "accept", "convert", "dismiss"
  };
  private static final String[] CHANNELS = {"web", "app", "email", null};
  private static final String[] CATEGORIES = {"cards", "loans", null};

  @Property(tries = 300)
  void shouldCountAsAFreshScanWould(
      @ForAll @IntRange(min = 0, max = 400) int size, @ForAll long seed) {
    Random random = new Random(seed);
    List<ContactEvent> history = new ArrayList<>();
    // mostly one outcome with others sprinkled in, as a decision-heavy customer's list looks
    String common = OUTCOMES[random.nextInt(OUTCOMES.length)];
    for (int i = 0; i < size; i++) {
      history.add(
          new ContactEvent(
              random.nextInt(4) == 0 ? OUTCOMES[random.nextInt(OUTCOMES.length)] : common,
              "offer-" + random.nextInt(12),
              CATEGORIES[random.nextInt(CATEGORIES.length)],
              CHANNELS[random.nextInt(CHANNELS.length)],
              NOW.minus(Duration.ofHours(random.nextInt(24 * 40)))));
    }
    List<ContactPolicy> policies = new ArrayList<>();
    for (int p = 0; p < 8; p++) {
      policies.add(policy(p, random));
    }
    String requestChannel = CHANNELS[random.nextInt(CHANNELS.length)];
    ContactPolicyEvaluator evaluator =
        new ContactPolicyEvaluator(history, NOW, requestChannel, policies.size());
    for (int offer = 0; offer < 14; offer++) {
      String key = "offer-" + offer;
      String category = CATEGORIES[offer % CATEGORIES.length];
      for (ContactPolicy policy : policies) {
        Suppression expected = reference(history, policy, key, category, requestChannel);
        Suppression actual = evaluator.check(policy, key, category);
        assertThat(actual == null ? null : List.of(actual.count(), String.valueOf(actual.latest())))
            .as("%s for %s/%s on %s", policy, key, category, requestChannel)
            .isEqualTo(
                expected == null
                    ? null
                    : List.of(expected.count(), String.valueOf(expected.latest())));
      }
    }
  }

  private static ContactPolicy policy(int ordinal, Random random) {
    PolicyType type = PolicyType.values()[random.nextInt(PolicyType.values().length)];
    PolicyScopeType scope =
        type == PolicyType.CHANNEL_FATIGUE
            ? PolicyScopeType.GLOBAL
            : PolicyScopeType.values()[random.nextInt(PolicyScopeType.values().length)];
    String scopeValue =
        switch (scope) {
          case GLOBAL -> null;
          case CHANNEL -> random.nextBoolean() ? null : CHANNELS[random.nextInt(3)];
          case CATEGORY -> random.nextBoolean() ? null : CATEGORIES[random.nextInt(2)];
          case OFFER -> random.nextBoolean() ? null : "offer-" + random.nextInt(12);
        };
    Duration window = Duration.ofDays(1 + random.nextInt(30));
    return new ContactPolicy(
        ordinal,
        "p" + ordinal,
        null,
        type,
        scope,
        scopeValue,
        OUTCOMES[random.nextInt(OUTCOMES.length)],
        type == PolicyType.COOLDOWN ? 0 : 1 + random.nextInt(20),
        window,
        window.toString(),
        type == PolicyType.CHANNEL_FATIGUE && random.nextBoolean()
            ? CHANNELS[random.nextInt(3)]
            : null);
  }

  /** The policy's rules, applied to the whole history for this one check. */
  private static Suppression reference(
      List<ContactEvent> history,
      ContactPolicy policy,
      String offerKey,
      String category,
      String requestChannel) {
    String channel = null;
    if (policy.scopeType() == PolicyScopeType.CHANNEL) {
      channel = policy.scopeValue() != null ? policy.scopeValue() : requestChannel;
      if (channel == null || !channel.equals(requestChannel)) {
        return null;
      }
    }
    if (policy.type() == PolicyType.CHANNEL_FATIGUE) {
      String fatigued = policy.channel() != null ? policy.channel() : requestChannel;
      if (fatigued == null || !fatigued.equals(requestChannel)) {
        return null;
      }
      channel = fatigued;
    }
    Instant cutoff = NOW.minus(policy.window());
    int count = 0;
    Instant latest = null;
    for (ContactEvent e : history) {
      boolean counts =
          e.outcome().equals(policy.outcome())
              && (policy.type() == PolicyType.COOLDOWN || !e.time().isBefore(cutoff))
              && (channel == null || channel.equals(e.channel()))
              && switch (policy.scopeType()) {
                case GLOBAL, CHANNEL -> true;
                case CATEGORY ->
                    policy.scopeValue() != null
                        ? policy.scopeValue().equals(e.category())
                        : category != null && category.equals(e.category());
                case OFFER ->
                    Objects.equals(
                        policy.scopeValue() != null ? policy.scopeValue() : offerKey, e.offerKey());
              };
      if (counts) {
        count++;
        latest = latest == null || e.time().isAfter(latest) ? e.time() : latest;
      }
    }
    if (count == 0) {
      return null;
    }
    if (policy.type() == PolicyType.COOLDOWN) {
      return latest.isAfter(cutoff) ? new Suppression(policy, count, latest) : null;
    }
    return count >= policy.max() ? new Suppression(policy, count, null) : null;
  }
}
