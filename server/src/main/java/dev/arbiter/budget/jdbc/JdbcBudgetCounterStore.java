package dev.arbiter.budget.jdbc;

import dev.arbiter.budget.BudgetCount;
import dev.arbiter.budget.BudgetCounterKey;
import dev.arbiter.budget.BudgetCounterStore;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionOperations;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@link BudgetCounterStore} on the {@code budget_counters} table.
 *
 * <p>A save is one transaction of multi-row upserts in key order: writers on other nodes touching
 * the same rows lock them in the same order and so never deadlock. Reads and writes go in chunks of
 * {@value #CHUNK} keys to stay far below PostgreSQL's bind-parameter limit. Thread-safe.
 */
public class JdbcBudgetCounterStore implements BudgetCounterStore {
  static final int CHUNK = 500;

  private static final Comparator<BudgetCounterKey> KEY_ORDER =
      Comparator.comparing(BudgetCounterKey::tenantId)
          .thenComparing(BudgetCounterKey::offerKey)
          .thenComparing(BudgetCounterKey::periodKey);

  private final JdbcClient jdbc;
  private final TransactionOperations transactions;

  /**
   * A store on {@code jdbc}.
   *
   * @param jdbc the database; give it a query timeout (e.g. through a {@code JdbcTemplate}) when
   *     seeding reads must not wait long for a slow database
   * @param transactions wraps a save in one transaction; {@link
   *     TransactionOperations#withoutTransaction()} writes chunk by chunk (each chunk atomic)
   */
  public JdbcBudgetCounterStore(JdbcClient jdbc, TransactionOperations transactions) {
    this.jdbc = Objects.requireNonNull(jdbc, "jdbc");
    this.transactions = Objects.requireNonNull(transactions, "transactions");
  }

  /**
   * A store on {@code dataSource} whose statements give up after {@code queryTimeout} (whole
   * seconds, at least one; bounds the seeding read on the request path) and whose saves are one
   * transaction each. Connection waits are the pool's (e.g. Hikari's {@code connectionTimeout}).
   */
  public JdbcBudgetCounterStore(DataSource dataSource, Duration queryTimeout) {
    this(
        JdbcClient.create(withTimeout(dataSource, queryTimeout)),
        new TransactionTemplate(new DataSourceTransactionManager(dataSource)));
  }

  /** A store whose saves are atomic per chunk of {@value #CHUNK} counters. */
  public JdbcBudgetCounterStore(JdbcClient jdbc) {
    this(jdbc, TransactionOperations.withoutTransaction());
  }

  @Override
  public Map<BudgetCounterKey, BudgetCount> load(Collection<BudgetCounterKey> keys) {
    Map<BudgetCounterKey, BudgetCount> found = new HashMap<>();
    List<BudgetCounterKey> all = List.copyOf(keys);
    for (int from = 0; from < all.size(); from += CHUNK) {
      List<BudgetCounterKey> chunk = all.subList(from, Math.min(all.size(), from + CHUNK));
      StringBuilder sql =
          new StringBuilder(
              "select tenant_id, offer_key, period_key, decisions, cost from budget_counters"
                  + " where (tenant_id, offer_key, period_key) in (");
      List<Object> params = new ArrayList<>(chunk.size() * 3);
      for (int i = 0; i < chunk.size(); i++) {
        BudgetCounterKey key = chunk.get(i);
        sql.append(i == 0 ? "(?, ?, ?)" : ", (?, ?, ?)");
        params.add(key.tenantId());
        params.add(key.offerKey());
        params.add(key.periodKey());
      }
      sql.append(')');
      jdbc.sql(sql.toString())
          .params(params)
          .query(
              rs -> {
                found.put(key(rs), count(rs));
              });
    }
    return found;
  }

  @Override
  public void saveMax(Map<BudgetCounterKey, BudgetCount> counts, Instant at) {
    if (counts.isEmpty()) {
      return;
    }
    List<BudgetCounterKey> keys = new ArrayList<>(counts.keySet());
    keys.sort(KEY_ORDER);
    Timestamp updatedAt = Timestamp.from(at);
    transactions.executeWithoutResult(
        status -> {
          for (int from = 0; from < keys.size(); from += CHUNK) {
            upsert(keys.subList(from, Math.min(keys.size(), from + CHUNK)), counts, updatedAt);
          }
        });
  }

  @Override
  public Map<BudgetCounterKey, BudgetCount> replaceOutageAdditions(
      String nodeId, Map<BudgetCounterKey, BudgetCount> additions) {
    List<BudgetCounterKey> keys = new ArrayList<>(additions.keySet());
    keys.sort(KEY_ORDER);
    return transactions.execute(
        status -> {
          Map<BudgetCounterKey, BudgetCount> before = new HashMap<>();
          jdbc.sql(
                  "delete from budget_outage_additions where node_id = ?"
                      + " returning tenant_id, offer_key, period_key, decisions, cost")
              .param(nodeId)
              .query(
                  rs -> {
                    before.put(key(rs), count(rs));
                  });
          for (int from = 0; from < keys.size(); from += CHUNK) {
            List<BudgetCounterKey> chunk = keys.subList(from, Math.min(keys.size(), from + CHUNK));
            StringBuilder sql =
                new StringBuilder(
                    "insert into budget_outage_additions (node_id, tenant_id, offer_key,"
                        + " period_key, decisions, cost, updated_at) values ");
            List<Object> params = new ArrayList<>(chunk.size() * 6);
            for (int i = 0; i < chunk.size(); i++) {
              BudgetCounterKey key = chunk.get(i);
              BudgetCount count = additions.get(key);
              sql.append(i == 0 ? "(?, ?, ?, ?, ?, ?, now())" : ", (?, ?, ?, ?, ?, ?, now())");
              params.add(nodeId);
              params.add(key.tenantId());
              params.add(key.offerKey());
              params.add(key.periodKey());
              params.add(count.decisions());
              params.add(BigDecimal.valueOf(count.costMicros(), 6));
            }
            jdbc.sql(sql.toString()).params(params).update();
          }
          return before;
        });
  }

  @Override
  public int takeAbandonedOutageAdditions(
      Duration abandonedAfter, int limit, Consumer<Map<BudgetCounterKey, BudgetCount>> add) {
    Integer taken =
        transactions.execute(
            status -> {
              Map<String, Map<BudgetCounterKey, BudgetCount>> byNode = new java.util.TreeMap<>();
              jdbc.sql(
                      """
                      select node_id, tenant_id, offer_key, period_key, decisions, cost
                        from budget_outage_additions
                       where updated_at < now() - ? * interval '1 millisecond'
                       order by node_id, tenant_id, offer_key, period_key
                       limit ?
                         for update skip locked
                      """)
                  .params(abandonedAfter.toMillis(), limit)
                  .query(
                      rs -> {
                        byNode
                            .computeIfAbsent(rs.getString("node_id"), n -> new HashMap<>())
                            .put(key(rs), count(rs));
                      });
              int rows = 0;
              for (Map.Entry<String, Map<BudgetCounterKey, BudgetCount>> node : byNode.entrySet()) {
                add.accept(node.getValue());
                List<BudgetCounterKey> keys = List.copyOf(node.getValue().keySet());
                rows +=
                    jdbc.sql(
                            """
                            delete from budget_outage_additions
                             where node_id = ?
                               and (tenant_id, offer_key, period_key) in
                                   (select * from unnest(?::text[], ?::text[], ?::text[]))
                            """)
                        .params(
                            node.getKey(),
                            keys.stream().map(BudgetCounterKey::tenantId).toArray(String[]::new),
                            keys.stream().map(BudgetCounterKey::offerKey).toArray(String[]::new),
                            keys.stream().map(BudgetCounterKey::periodKey).toArray(String[]::new))
                        .update();
              }
              return rows;
            });
    return taken == null ? 0 : taken;
  }

  private void upsert(
      List<BudgetCounterKey> chunk, Map<BudgetCounterKey, BudgetCount> counts, Timestamp at) {
    StringBuilder sql =
        new StringBuilder(
            "insert into budget_counters"
                + " (tenant_id, offer_key, period_key, decisions, cost, updated_at) values ");
    List<Object> params = new ArrayList<>(chunk.size() * 6);
    for (int i = 0; i < chunk.size(); i++) {
      BudgetCounterKey key = chunk.get(i);
      BudgetCount count = counts.get(key);
      sql.append(i == 0 ? "(?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?)");
      params.add(key.tenantId());
      params.add(key.offerKey());
      params.add(key.periodKey());
      params.add(count.decisions());
      params.add(BigDecimal.valueOf(count.costMicros(), 6));
      params.add(at);
    }
    sql.append(
        """
         on conflict (tenant_id, offer_key, period_key) do update
           set decisions = greatest(budget_counters.decisions, excluded.decisions),
               cost = greatest(budget_counters.cost, excluded.cost),
               updated_at = greatest(budget_counters.updated_at, excluded.updated_at)
        """);
    jdbc.sql(sql.toString()).params(params).update();
  }

  private static JdbcTemplate withTimeout(DataSource dataSource, Duration queryTimeout) {
    JdbcTemplate template = new JdbcTemplate(dataSource);
    template.setQueryTimeout((int) Math.max(1, queryTimeout.toSeconds()));
    return template;
  }

  /** The counter a row of {@code budget_counters} or {@code budget_outage_additions} is of. */
  private static BudgetCounterKey key(java.sql.ResultSet rs) throws java.sql.SQLException {
    return new BudgetCounterKey(
        rs.getString("tenant_id"), rs.getString("offer_key"), rs.getString("period_key"));
  }

  /** Such a row's decisions and cost. */
  private static BudgetCount count(java.sql.ResultSet rs) throws java.sql.SQLException {
    return new BudgetCount(rs.getLong("decisions"), micros(rs.getBigDecimal("cost")));
  }

  private static long micros(BigDecimal cost) {
    return cost.movePointRight(6).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
  }
}
