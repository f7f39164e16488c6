package dev.arbiter.contact.jdbc;

import dev.arbiter.contact.ContactEntry;
import dev.arbiter.contact.InteractionReader;
import dev.arbiter.engine.policy.ContactEvent;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * {@link InteractionReader} on the {@code interactions} table. The time range lets PostgreSQL prune
 * the monthly partitions outside it: those older than {@code since}, and those of the months to
 * come and the default partition, which a range open at the top scanned on every read (a year of
 * partitions is created ahead). The index returns the newest rows first. Thread-safe.
 */
public final class JdbcInteractionReader implements InteractionReader {
  /**
   * The query: named parameters {@code tenantId}, {@code customerId}, {@code since}, {@code until}
   * and {@code limit}. Public so that its plan can be checked ({@code explain}) against the
   * partitions it reads.
   */
  public static final String RECENT =
      """
      select id, outcome, offer_key, category, channel, occurred_at
        from interactions
       where tenant_id = :tenantId and customer_id = :customerId
         and occurred_at >= :since and occurred_at < :until
       order by occurred_at desc, id desc
       limit :limit
      """;

  private final JdbcClient jdbc;

  public JdbcInteractionReader(JdbcClient jdbc) {
    this.jdbc = Objects.requireNonNull(jdbc, "jdbc");
  }

  @Override
  public List<ContactEntry> recent(
      String tenantId, String customerId, Instant since, Instant until, int limit) {
    return jdbc.sql(RECENT)
        .param("tenantId", tenantId)
        .param("customerId", customerId)
        .param("since", Timestamp.from(since))
        .param("until", Timestamp.from(until))
        .param("limit", limit)
        .query(
            (rs, n) ->
                ContactEntry.interaction(
                    rs.getString("id"),
                    new ContactEvent(
                        rs.getString("outcome"),
                        rs.getString("offer_key"),
                        rs.getString("category"),
                        rs.getString("channel"),
                        rs.getTimestamp("occurred_at").toInstant())))
        .list();
  }
}
