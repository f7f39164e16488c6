package dev.arbiter.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.demo.DemoSeeder;
import dev.arbiter.testsupport.TestServer;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The snapshot cache while one request checks the database and the database does not answer. */
class CatalogSnapshotsIntegrationTests {

  /**
   * One request checks a stale snapshot against the database, which does not answer (a lock here; a
   * database that is down makes it wait out the pool's timeout): the tenant's other requests go on
   * with the snapshot they had instead of queueing behind it.
   */
  @Test
  void shouldServeThePreviousSnapshotWhileAnotherRequestWaitsForTheDatabase() throws Exception {
    try (TestServer server = TestServer.start()) {
      server.bean(DemoSeeder.class).seed();
      String tenantId = server.tenantId(DemoSeeder.TENANT);
      CatalogSnapshots snapshots = server.bean(CatalogSnapshots.class);
      long version = snapshots.current(tenantId).catalogVersion();
      JdbcClient jdbc = JdbcClient.create(server.bean(DataSource.class));
      String database = jdbc.sql("select current_database()").query(String.class).single();
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try (Connection locker = server.bean(DataSource.class).getConnection()) {
        locker.setAutoCommit(false);
        try (Statement lock = locker.createStatement()) {
          lock.execute("lock table tenants in access exclusive mode");
        }
        snapshots.invalidateAll(); // notifications may have been missed: check the version
        CompletableFuture<Long> checking =
            CompletableFuture.supplyAsync(() -> snapshots.current(tenantId).catalogVersion(), pool);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (jdbc.sql(
                    "select count(*) from pg_stat_activity where wait_event_type = 'Lock'"
                        + " and datname = ?")
                .param(database)
                .query(Long.class)
                .single()
            == 0) {
          assertThat(System.nanoTime()).as("the check waits on the lock").isLessThan(deadline);
          Thread.sleep(20);
        }

        CompletableFuture<Long> other =
            CompletableFuture.supplyAsync(() -> snapshots.current(tenantId).catalogVersion(), pool);
        // far longer than it takes; without the fix it waits as long as the lock is held
        assertThat(other.get(10, TimeUnit.SECONDS)).isEqualTo(version);
        assertThat(checking).isNotDone();
        locker.rollback();
        assertThat(checking.get(10, TimeUnit.SECONDS)).isEqualTo(version);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  /**
   * The database's catalog version goes back (restored from a backup, or failed over to a replica
   * that lacked the last change): the node rebuilds once at that version and serves it, rather than
   * rebuild on every request a snapshot that never counts as current.
   */
  @Test
  void shouldFollowTheDatabaseWhenItsCatalogVersionGoesBack() {
    try (TestServer server = TestServer.start()) {
      server.bean(DemoSeeder.class).seed();
      String tenantId = server.tenantId(DemoSeeder.TENANT);
      CatalogSnapshots snapshots = server.bean(CatalogSnapshots.class);
      long version = snapshots.current(tenantId).catalogVersion();
      JdbcClient jdbc = JdbcClient.create(server.bean(DataSource.class));
      jdbc.sql("update tenants set catalog_version = catalog_version - 1 where id = ?")
          .param(tenantId)
          .update();
      snapshots.invalidateAll(); // as after the listener lost its connection in the failover

      CatalogSnapshots.Compiled rebuilt = snapshots.current(tenantId);

      assertThat(rebuilt.catalogVersion()).isEqualTo(version - 1);
      assertThat(snapshots.current(tenantId))
          .as("current now, not rebuilt again")
          .isSameAs(rebuilt);
    }
  }
}
