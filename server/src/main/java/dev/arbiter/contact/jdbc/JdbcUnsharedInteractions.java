package dev.arbiter.contact.jdbc;

import dev.arbiter.contact.ContactEntry;
import dev.arbiter.contact.UnsharedInteractions;
import dev.arbiter.engine.policy.ContactEvent;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.SqlArrayValue;

/**
 * {@link UnsharedInteractions} on PostgreSQL. A claimed row's interaction is read by its primary
 * key ({@code id}, {@code occurred_at}) in a lateral subquery, so each lookup is pruned to its one
 * partition at run time whatever join the planner would otherwise choose. Thread-safe.
 */
public final class JdbcUnsharedInteractions implements UnsharedInteractions {
  private final JdbcClient jdbc;

  public JdbcUnsharedInteractions(JdbcClient jdbc) {
    this.jdbc = Objects.requireNonNull(jdbc, "jdbc");
  }

  @Override
  public int forget(Collection<Key> keys) {
    if (keys.isEmpty()) {
      return 0;
    }
    String[] tenants = new String[keys.size()];
    String[] ids = new String[keys.size()];
    int n = 0;
    for (Key k : keys) {
      tenants[n] = k.tenantId();
      ids[n] = k.interactionId();
      n++;
    }
    return jdbc.sql(
            """
            delete from unshared_interactions u
             using unnest(cast(:tenants as text[]), cast(:ids as text[]))
                   as k (tenant_id, interaction_id)
             where u.tenant_id = k.tenant_id and u.interaction_id = k.interaction_id
            """)
        .param("tenants", new SqlArrayValue("text", (Object[]) tenants))
        .param("ids", new SqlArrayValue("text", (Object[]) ids))
        .update();
  }

  @Override
  public List<Unshared> claim(Duration grace, Duration lease, int limit) {
    return jdbc.sql(
            """
            with claimed as (
              update unshared_interactions u
                 set claimed_until = now() + :leaseMs * interval '1 millisecond'
                from (select tenant_id, interaction_id
                        from unshared_interactions
                       where created_at < now() - :graceMs * interval '1 millisecond'
                         and (claimed_until is null or claimed_until < now())
                       order by created_at
                       limit :limit
                         for update skip locked) c
               where u.tenant_id = c.tenant_id and u.interaction_id = c.interaction_id
              returning u.tenant_id, u.interaction_id, u.occurred_at, u.created_at
            )
            select c.tenant_id, c.interaction_id, i.customer_id, i.outcome, i.offer_key,
                   i.category, i.channel, i.occurred_at
              from claimed c
              left join lateral (
                select customer_id, outcome, offer_key, category, channel, occurred_at
                  from interactions
                 where id = c.interaction_id and occurred_at = c.occurred_at
                   and tenant_id = c.tenant_id) i on true
             order by c.created_at
            """)
        .param("leaseMs", lease.toMillis())
        .param("graceMs", grace.toMillis())
        .param("limit", limit)
        .query(
            (rs, n) -> {
              Key key = new Key(rs.getString("tenant_id"), rs.getString("interaction_id"));
              String customerId = rs.getString("customer_id");
              if (customerId == null) {
                return new Unshared(key, null, null);
              }
              return new Unshared(
                  key,
                  customerId,
                  ContactEntry.interaction(
                      key.interactionId(),
                      new ContactEvent(
                          rs.getString("outcome"),
                          rs.getString("offer_key"),
                          rs.getString("category"),
                          rs.getString("channel"),
                          rs.getTimestamp("occurred_at").toInstant())));
            })
        .list();
  }

  @Override
  public long count(Duration grace) {
    return jdbc.sql(
            """
            select count(*) from unshared_interactions
             where created_at < now() - :graceMs * interval '1 millisecond'
            """)
        .param("graceMs", grace.toMillis())
        .query(Long.class)
        .single();
  }
}
