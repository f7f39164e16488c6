package dev.arbiter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.contact.jdbc.InteractionPartitions;
import dev.arbiter.testsupport.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The server's daily partition job with {@code ARBITER_INTERACTION_RETENTION}: it drops the months
 * past the retention and counts what it dropped and what it could not; without a retention it drops
 * nothing.
 */
class InteractionPartitionKeeperIntegrationTests {
  private final String url = TestDatabase.newDatabase();
  private final JdbcClient jdbc = JdbcClient.create(new DriverManagerDataSource(url));
  private final Clock clock = Clock.fixed(java.time.Instant.now(), ZoneOffset.UTC);
  private final InteractionPartitions partitions = new InteractionPartitions(jdbc, clock);
  private final LocalDate thisMonth = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1);

  InteractionPartitionKeeperIntegrationTests() {
    Flyway.configure()
        .dataSource(url, null, null)
        .locations("classpath:db/migration")
        .load()
        .migrate();
  }

  @Test
  void shouldCreateTheMonthsAheadAndSayWhenItLastCouldOrCountThatItCouldNot() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    new ServerWiring.InteractionPartitionKeeper(partitions, Optional.empty(), meters, clock)
        .ensure();
    assertThat(partitions.existing())
        .contains(
            InteractionPartitions.name(thisMonth.minusMonths(InteractionPartitions.MONTHS_BEHIND)),
            InteractionPartitions.name(thisMonth.plusMonths(InteractionPartitions.MONTHS_AHEAD)));
    assertThat(meters.get("arbiter.interactions.partitions.last.success").gauge().value())
        .isEqualTo(clock.instant().getEpochSecond());
    assertThat(meters.get("arbiter.interactions.partitions.failures").counter().count()).isZero();

    // a database that cannot be reached: counted, and no success recorded
    SimpleMeterRegistry down = new SimpleMeterRegistry();
    InteractionPartitions unreachable =
        new InteractionPartitions(
            JdbcClient.create(
                new DriverManagerDataSource(
                    "jdbc:postgresql://127.0.0.1:1/arbiter?connectTimeout=2")),
            clock);
    new ServerWiring.InteractionPartitionKeeper(unreachable, Optional.empty(), down, clock)
        .ensure();
    assertThat(down.get("arbiter.interactions.partitions.failures").counter().count()).isEqualTo(1);
    assertThat(down.get("arbiter.interactions.partitions.last.success").gauge().value()).isNaN();
  }

  @Test
  void shouldDropTheMonthsPastTheRetentionAndCountThem() throws Exception {
    String old = InteractionPartitions.name(thisMonth.minusMonths(9));
    String older = InteractionPartitions.name(thisMonth.minusMonths(10));
    partitions.ensure(thisMonth.minusMonths(9));
    partitions.ensure(thisMonth.minusMonths(10));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();

    SimpleMeterRegistry withoutRetention = new SimpleMeterRegistry();
    new ServerWiring.InteractionPartitionKeeper(
            partitions, Optional.empty(), withoutRetention, clock)
        .ensure();
    assertThat(withoutRetention.get("arbiter.interactions.retention.last.success").gauge().value())
        .isNaN();
    assertThat(partitions.existing()).contains(old, older);

    ServerWiring.InteractionPartitionKeeper keeper =
        new ServerWiring.InteractionPartitionKeeper(
            partitions, Optional.of(Duration.ofDays(180)), meters, clock);
    try (Connection other = DriverManager.getConnection(url)) {
      other.setAutoCommit(false);
      other.createStatement().execute("lock table " + older + " in access share mode");
      keeper.ensure();
      other.rollback();
    }
    assertThat(partitions.existing()).doesNotContain(old).contains(older);
    assertThat(meters.get("arbiter.interactions.partitions.dropped").counter().count())
        .isEqualTo(1);
    assertThat(meters.get("arbiter.interactions.retention.failures").counter().count())
        .isEqualTo(1);
    // a run that left a month behind is not a success
    assertThat(meters.get("arbiter.interactions.retention.last.success").gauge().value()).isNaN();

    keeper.ensure();
    assertThat(partitions.existing()).doesNotContain(older);
    assertThat(meters.get("arbiter.interactions.partitions.dropped").counter().count())
        .isEqualTo(2);
    assertThat(meters.get("arbiter.interactions.retention.last.success").gauge().value())
        .isEqualTo(clock.instant().getEpochSecond());
  }
}
