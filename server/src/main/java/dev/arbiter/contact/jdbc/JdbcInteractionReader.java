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
 * {@link InteractionReader} on the {@code interactions} table. The time condition lets PostgreSQL
 * prune partitions older than {@code since}; the index returns the newest rows first. Thread-safe.
 */
public final class JdbcInteractionReader implements InteractionReader {
  private final JdbcClient jdbc;

  public JdbcInteractionReader(JdbcClient jdbc) {
    this.jdbc = Objects.requireNonNull(jdbc, "jdbc");
  }

  @Override
  public List<ContactEntry> recent(String tenantId, String customerId, Instant since, int limit) {
    return jdbc.sql(
            """
            select id, outcome, offer_key, category, channel, occurred_at
              from interactions
             where tenant_id = :tenantId and customer_id = :customerId and occurred_at >= :since
             order by occurred_at desc, id desc
             limit :limit
            """)
        .param("tenantId", tenantId)
        .param("customerId", customerId)
        .param("since", Timestamp.from(since))
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
