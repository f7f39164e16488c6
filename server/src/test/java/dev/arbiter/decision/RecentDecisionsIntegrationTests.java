package dev.arbiter.decision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.decision.jdbc.JdbcDecisionLogRepository;
import dev.arbiter.shared.Ids;
import dev.arbiter.testsupport.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link RecentDecisions} on a real PostgreSQL: which decisions memory answers, and the outbox
 * behind it.
 */
class RecentDecisionsIntegrationTests {
  private final JdbcDecisionLogRepository repository =
      DecisionLogIntegrationTests.repository(DecisionLogIntegrationTests.migrated());
  private final SettableClock clock =
      new SettableClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));

  @Test
  void shouldRememberTheNewestDecisionsAndForgetTheOldestFirst() {
    RecentDecisions recent = new RecentDecisions(repository, clock, 3, Duration.ZERO);
    List<RecordedDecision> made = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      RecordedDecision d = decision(Ids.newId());
      made.add(d);
      recent.remember(d);
    }

    assertThat(recent.find("t1", made.get(4).decisionId())).contains(made.get(4));
    assertThat(recent.find("t1", made.get(3).decisionId())).contains(made.get(3));
    assertThat(recent.find("t1", made.get(2).decisionId())).contains(made.get(2));
    assertThat(recent.find("t1", made.get(1).decisionId())).isEmpty();
    assertThat(recent.find("t1", made.get(0).decisionId())).isEmpty();
    assertThat(recent.find("other-tenant", made.get(4).decisionId())).isEmpty();
  }

  @Test
  void shouldKeepEveryOneOfTheNewestDecisionsUnderSustainedLoad() {
    RecentDecisions recent = new RecentDecisions(repository, clock, 100, Duration.ZERO);
    List<RecordedDecision> made = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      RecordedDecision d = decision(Ids.newId());
      made.add(d);
      recent.remember(d);
    }

    for (RecordedDecision d : made.subList(1_900, 2_000)) {
      assertThat(recent.find("t1", d.decisionId())).contains(d);
    }
    for (RecordedDecision d : made.subList(1_850, 1_900)) {
      assertThat(recent.find("t1", d.decisionId())).isEmpty();
    }
  }

  @Test
  void shouldForgetEveryOlderDecisionAfterThreadsRememberedAtOnce() throws Exception {
    RecentDecisions recent = new RecentDecisions(repository, clock, 100, Duration.ZERO);
    List<List<RecordedDecision>> made = new ArrayList<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      List<RecordedDecision> mine = new ArrayList<>();
      made.add(mine);
      workers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int i = 0; i < 250; i++) {
                      RecordedDecision d = decision(Ids.newId());
                      recent.remember(d);
                      mine.add(d);
                    }
                  }));
    }
    for (Thread worker : workers) {
      worker.join();
    }

    List<RecordedDecision> after = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      RecordedDecision d = decision(Ids.newId());
      after.add(d);
      recent.remember(d);
    }

    for (RecordedDecision d : after) {
      assertThat(recent.find("t1", d.decisionId())).contains(d);
    }
    // Every slot was taken again, so nothing remembered concurrently is left behind (a sample:
    // each miss is a database read).
    for (List<RecordedDecision> mine : made) {
      for (int i = 0; i < mine.size(); i += 10) {
        assertThat(recent.find("t1", mine.get(i).decisionId())).isEmpty();
      }
      assertThat(recent.find("t1", mine.getLast().decisionId())).isEmpty();
    }
  }

  @Test
  void shouldAnswerFromTheOutboxOnceADecisionIsOlderThanTheMemoryKeepsIt() {
    var meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    RecentDecisions recent = new RecentDecisions(repository, clock, 100, Duration.ZERO, meters);
    RecordedDecision kept = decision(Ids.newId());
    RecordedDecision written = decision(Ids.newId());
    recent.remember(kept);
    recent.remember(written);
    repository.insertEvents(List.of(event(written)));

    assertThat(recent.find("t1", written.decisionId())).contains(written);
    clock.advance(RecentDecisions.MEMORY_TTL.plusSeconds(1));

    assertThat(recent.find("t1", kept.decisionId())).isEmpty();
    assertThat(recent.find("t1", written.decisionId()))
        .hasValueSatisfying(
            d -> {
              assertThat(d.customerId()).isEqualTo("c1");
              assertThat(d.offers()).containsOnlyKeys("gold-card");
            });
    assertThat(recent.find("t1", "not-a-decision-id")).isEmpty();
    // one answer from memory, one from the stored event, two from nowhere
    assertThat(lookups(meters, "memory")).isEqualTo(1);
    assertThat(lookups(meters, "database")).isEqualTo(1);
    assertThat(lookups(meters, "none")).isEqualTo(2);
  }

  private static double lookups(io.micrometer.core.instrument.MeterRegistry meters, String source) {
    return meters.get("arbiter.decision.lookups").tag("source", source).counter().count();
  }

  private RecordedDecision decision(String id) {
    return new RecordedDecision(
        id,
        "t1",
        "c1",
        "homepage",
        7,
        "web",
        null,
        null,
        clock.instant(),
        Map.of("gold-card", new RecordedDecision.ReturnedOffer("cards", Map.of())));
  }

  private static OutboxEvent event(RecordedDecision d) {
    Map<String, Object> offer = new LinkedHashMap<>();
    offer.put("offerKey", "gold-card");
    offer.put("category", "cards");
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("decisionId", d.decisionId());
    data.put("customerId", d.customerId());
    data.put("flowKey", d.flowKey());
    data.put("catalogVersion", d.catalogVersion());
    data.put("channel", d.channel());
    data.put("decidedAt", d.madeAt().toString());
    data.put("offers", List.of(offer));
    return OutboxEvent.cloudEvent(
        d.decisionId(), "t1", "t1", "decision.made.v1", d.customerId(), d.madeAt(), data);
  }
}
