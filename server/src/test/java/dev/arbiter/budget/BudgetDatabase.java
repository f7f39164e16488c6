package dev.arbiter.budget;

import dev.arbiter.budget.jdbc.JdbcBudgetCounterStore;
import dev.arbiter.testsupport.TestDatabase;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** A fresh, migrated PostgreSQL database for one test class, and stores on it. */
final class BudgetDatabase {
  final String url;
  final JdbcClient jdbc;

  private BudgetDatabase(String url) {
    this.url = url;
    this.jdbc = JdbcClient.create(new DriverManagerDataSource(url));
  }

  static BudgetDatabase migrated() {
    String url = TestDatabase.newDatabase();
    Flyway.configure()
        .dataSource(url, null, null)
        .locations("classpath:db/migration")
        .load()
        .migrate();
    return new BudgetDatabase(url);
  }

  JdbcBudgetCounterStore store() {
    return new JdbcBudgetCounterStore(jdbc);
  }

  /** The stored decisions of a counter, or -1 when there is no row. */
  long storedDecisions(String tenantId, String offerKey, String periodKey) {
    return jdbc.sql(
            "select decisions from budget_counters"
                + " where tenant_id = ? and offer_key = ? and period_key = ?")
        .params(tenantId, offerKey, periodKey)
        .query(Long.class)
        .optional()
        .orElse(-1L);
  }
}
