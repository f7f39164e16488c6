package dev.arbiter.engine.pipeline;

import static dev.arbiter.engine.Fixtures.NOW;
import static dev.arbiter.engine.Fixtures.catalog;
import static dev.arbiter.engine.Fixtures.flow;
import static dev.arbiter.engine.Fixtures.offer;
import static dev.arbiter.engine.Fixtures.policy;
import static dev.arbiter.engine.Fixtures.request;
import static dev.arbiter.engine.pipeline.Decisions.keys;
import static dev.arbiter.engine.pipeline.Decisions.reasons;
import static dev.arbiter.engine.pipeline.Decisions.removed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.engine.DecisionEngine;
import dev.arbiter.engine.Fixtures;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.catalog.ContactPolicyDefinition;
import dev.arbiter.engine.policy.ContactEvent;
import dev.arbiter.engine.trace.Stage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Scenario tests of the contact-policy stage: caps, cooldowns and fatigue with rolling windows. */
class ContactPolicyStageTests {
  private final DecisionEngine engine = new DecisionEngine();

  private CatalogSnapshot snapshot(ContactPolicyDefinition... policies) {
    return catalog()
        .offers(
            offer("gold-card").category("cards"),
            offer("silver-card").category("cards"),
            offer("loan").category("loans"),
            offer("email-deal").category("deals"))
        .policies(policies)
        .flows(
            flow("web").offers("gold-card", "silver-card", "loan", "email-deal"),
            flow("email")
                .route("email", "inbox")
                .offers("gold-card", "silver-card", "loan", "email-deal"))
        .build();
  }

  private static ContactEvent event(
      String outcome, String offer, String category, String channel, Duration ago) {
    return new ContactEvent(outcome, offer, category, channel, NOW.minus(ago));
  }

  private Decision decide(CatalogSnapshot snapshot, List<ContactEvent> history) {
    return engine.decide(
        snapshot, request().build(), new CustomerState(history), RuntimeState.NONE);
  }

  @Test
  void shouldSuppressOfferAfterThreeImpressionsInAWeek() {
    CatalogSnapshot snapshot =
        snapshot(
            policy(
                "weekly-cap",
                "frequency_cap",
                "offer",
                null,
                "{'outcome': 'impression', 'max': 3, 'window': 'P7D'}"));
    List<ContactEvent> history =
        List.of(
            event("impression", "gold-card", "cards", "web", Duration.ofDays(1)),
            event("impression", "gold-card", "cards", "web", Duration.ofDays(3)),
            event("impression", "gold-card", "cards", "email", Duration.ofDays(6)),
            event("impression", "silver-card", "cards", "web", Duration.ofDays(1)),
            event("impression", "silver-card", "cards", "web", Duration.ofDays(2)),
            event("impression", "silver-card", "cards", "web", Duration.ofDays(8)),
            event("click", "loan", "loans", "web", Duration.ofDays(1)));

    Decision decision = decide(snapshot, history);

    assertThat(keys(decision)).doesNotContain("gold-card").contains("silver-card", "loan");
    assertThat(reasons(decision, Stage.CONTACT_POLICY))
        .containsExactly(
            "gold-card: frequency_cap: 3 impressions in P7D reached (max 3), policy weekly-cap");
    assertThat(removed(decision, Stage.CONTACT_POLICY).get(0).code()).isEqualTo("frequency_cap");
  }

  @Test
  void shouldRollTheWindowWithTheRequestTime() {
    CatalogSnapshot snapshot =
        snapshot(
            policy("weekly-cap", "frequency_cap", "offer", null, "{'max': 3, 'window': 'P7D'}"));
    List<ContactEvent> history = new ArrayList<>();
    for (int day : new int[] {1, 3, 6}) {
      history.add(event("impression", "gold-card", "cards", "web", Duration.ofDays(day)));
    }

    Decision today = decide(snapshot, history);
    Decision twoDaysLater =
        engine.decide(
            snapshot,
            request().time("2026-11-25T12:00:00Z").build(),
            new CustomerState(history),
            RuntimeState.NONE);

    assertThat(keys(today)).doesNotContain("gold-card");
    assertThat(keys(twoDaysLater)).contains("gold-card");
  }

  @Test
  void shouldCountAWindowStartingExactlyAtItsEdge() {
    CatalogSnapshot snapshot =
        snapshot(
            policy("daily", "frequency_cap", "offer", "gold-card", "{'max': 1, 'window': 'P1D'}"));

    assertThat(
            keys(
                decide(
                    snapshot,
                    List.of(event("impression", "gold-card", "cards", "web", Duration.ofDays(1))))))
        .doesNotContain("gold-card");
    assertThat(
            keys(
                decide(
                    snapshot,
                    List.of(
                        event(
                            "impression",
                            "gold-card",
                            "cards",
                            "web",
                            Duration.ofDays(1).plusMillis(1))))))
        .contains("gold-card");
  }

  @Test
  void shouldCapAWholeCategoryAndEveryCategorySeparately() {
    CatalogSnapshot named =
        snapshot(
            policy(
                "cards-cap", "frequency_cap", "category", "cards", "{'max': 2, 'window': 'P7D'}"));
    CatalogSnapshot each =
        snapshot(
            policy(
                "per-category", "frequency_cap", "category", null, "{'max': 2, 'window': 'P7D'}"));
    List<ContactEvent> history =
        List.of(
            event("impression", "gold-card", "cards", "web", Duration.ofDays(1)),
            event("impression", "silver-card", "cards", "web", Duration.ofDays(1)),
            event("impression", "loan", "loans", "web", Duration.ofDays(1)),
            event("impression", "email-deal", "deals", "email", Duration.ofDays(1)),
            event("impression", "email-deal", "deals", "email", Duration.ofDays(2)));

    assertThat(keys(decide(named, history))).containsExactlyInAnyOrder("loan", "email-deal");
    assertThat(keys(decide(each, history))).containsExactly("loan");
  }

  @Test
  void shouldCapAllOffersGloballyAndPerChannel() {
    CatalogSnapshot global =
        snapshot(policy("global", "frequency_cap", "global", null, "{'max': 2, 'window': 'P1D'}"));
    CatalogSnapshot webOnly =
        snapshot(
            policy("web-cap", "frequency_cap", "channel", "web", "{'max': 2, 'window': 'P1D'}"));
    List<ContactEvent> emailHistory =
        List.of(
            event("impression", "loan", "loans", "email", Duration.ofHours(1)),
            event("impression", "email-deal", "deals", "email", Duration.ofHours(2)));

    assertThat(keys(decide(global, emailHistory))).isEmpty();
    assertThat(reasons(decide(global, emailHistory), Stage.CONTACT_POLICY))
        .contains("loan: frequency_cap: 2 impressions in P1D reached (max 2), policy global");
    assertThat(keys(decide(webOnly, emailHistory))).hasSize(4);
  }

  @Test
  void shouldCoolDownAfterARejectForItsDuration() {
    CatalogSnapshot snapshot =
        snapshot(
            policy(
                "after-reject",
                "cooldown",
                "offer",
                null,
                "{'outcome': 'reject', 'duration': 'P30D'}"));
    List<ContactEvent> history =
        List.of(
            new ContactEvent(
                "reject", "gold-card", "cards", "web", Fixtures.NOW.minus(Duration.ofDays(10))),
            new ContactEvent(
                "reject", "loan", "loans", "web", Fixtures.NOW.minus(Duration.ofDays(31))));

    Decision decision = decide(snapshot, history);

    assertThat(keys(decision)).doesNotContain("gold-card").contains("loan");
    assertThat(reasons(decision, Stage.CONTACT_POLICY))
        .containsExactly(
            "gold-card: cooldown: reject at 2026-11-13T12:00Z, suppressed for P30D until"
                + " 2026-12-13T12:00Z, policy after-reject");
  }

  @Test
  void shouldFatigueAChannelAcrossOffersOnlyForThatChannel() {
    CatalogSnapshot snapshot =
        snapshot(
            policy(
                "email-fatigue",
                "channel_fatigue",
                "global",
                null,
                "{'channel': 'email', 'max': 2, 'window': 'P1D'}"));
    List<ContactEvent> history =
        List.of(
            event("impression", "loan", "loans", "email", Duration.ofHours(3)),
            event("impression", "gold-card", "cards", "email", Duration.ofHours(5)),
            event("impression", "gold-card", "cards", "web", Duration.ofHours(5)));

    Decision web = decide(snapshot, history);
    Decision email =
        engine.decide(
            snapshot,
            request().route("email", "inbox").build(),
            new CustomerState(history),
            RuntimeState.NONE);

    assertThat(keys(web)).hasSize(4);
    assertThat(keys(email)).isEmpty();
    assertThat(reasons(email, Stage.CONTACT_POLICY))
        .contains(
            "silver-card: channel_fatigue: 2 impressions on channel email in P1D reached (max 2),"
                + " policy email-fatigue");
  }

  @Test
  void shouldCountDecisionEntriesWhenThePolicyCountsThem() {
    CatalogSnapshot snapshot =
        snapshot(
            policy(
                "shown-once",
                "frequency_cap",
                "offer",
                null,
                "{'outcome': 'decision', 'max': 1, 'window': 'PT1H'}"));

    Decision decision =
        decide(snapshot, List.of(event("decision", "loan", "loans", "web", Duration.ofMinutes(5))));

    assertThat(keys(decision)).doesNotContain("loan");
    assertThat(reasons(decision, Stage.CONTACT_POLICY))
        .containsExactly(
            "loan: frequency_cap: 1 decision in PT1H reached (max 1), policy shown-once");
  }

  @Test
  void shouldIgnoreInactivePolicies() {
    CatalogSnapshot snapshot =
        snapshot(
            new ContactPolicyDefinition(
                null,
                "off",
                null,
                "frequency_cap",
                new dev.arbiter.engine.catalog.ScopeDefinition("global", null),
                Fixtures.object("{'max': 1, 'window': 'P1D'}"),
                "inactive"));

    assertThat(
            keys(
                decide(
                    snapshot,
                    List.of(event("impression", "loan", "loans", "web", Duration.ofHours(1))))))
        .hasSize(4);
  }
}
