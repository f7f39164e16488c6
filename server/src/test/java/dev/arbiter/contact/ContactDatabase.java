package dev.arbiter.contact;

import dev.arbiter.shared.Ids;
import dev.arbiter.testsupport.TestDatabase;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * A fresh migrated database with one tenant, and the row inserts Respond will do, written here in
 * plain SQL so the tests read PostgreSQL's truth rather than a repository's.
 */
final class ContactDatabase {
  final JdbcClient jdbc;
  final String tenantId;
  private final String url;

  private ContactDatabase(JdbcClient jdbc, String tenantId, String url) {
    this.jdbc = jdbc;
    this.tenantId = tenantId;
    this.url = url;
  }

  /** The database's JDBC URL, for a connection of its own. */
  String url() {
    return url;
  }

  static ContactDatabase migrated() {
    String url = TestDatabase.newDatabase();
    Flyway.configure()
        .dataSource(url, null, null)
        .locations("classpath:db/migration")
        .load()
        .migrate();
    JdbcClient jdbc = JdbcClient.create(new DriverManagerDataSource(url));
    ContactDatabase db = new ContactDatabase(jdbc, Ids.newId(), url);
    db.insertTenant(db.tenantId);
    return db;
  }

  void insertTenant(String id) {
    jdbc.sql(
            """
            insert into tenants (id, key, name, created_at, updated_at)
            values (:id, :key, 'Test', now(), now())
            """)
        .param("id", id)
        .param("key", "t-" + UUID.randomUUID().toString().substring(0, 8))
        .update();
  }

  /** Inserts an interaction of this database's tenant; returns its id. */
  String insertInteraction(String customerId, String outcome, String offerKey, Instant at) {
    return insertInteraction(tenantId, customerId, outcome, offerKey, "cards", "web", at);
  }

  String insertInteraction(
      String tenantId,
      String customerId,
      String outcome,
      String offerKey,
      String category,
      String channel,
      Instant at) {
    String id = Ids.newId();
    jdbc.sql(
            """
            insert into interactions (id, tenant_id, customer_id, decision_id, offer_key, category,
                                      channel, outcome, value, occurred_at, recorded_at,
                                      idempotency_key)
            values (:id, :tenantId, :customerId, :decisionId, :offerKey, :category, :channel,
                    :outcome, null, :at, now(), :idempotencyKey)
            """)
        .param("id", id)
        .param("tenantId", tenantId)
        .param("customerId", customerId)
        .param("decisionId", Ids.newId())
        .param("offerKey", offerKey)
        .param("category", category)
        .param("channel", channel)
        .param("outcome", outcome)
        .param("at", Timestamp.from(at))
        .param("idempotencyKey", UUID.randomUUID().toString())
        .update();
    return id;
  }

  /** The partition a row is stored in. */
  String partitionOf(String interactionId) {
    return jdbc.sql("select tableoid::regclass::text from interactions where id = :id")
        .param("id", interactionId)
        .query(String.class)
        .single();
  }
}
