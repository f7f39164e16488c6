package dev.arbiter.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.engine.catalog.CatalogBuilder;
import dev.arbiter.engine.catalog.CatalogDefinition;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.catalog.ModelDefinition;
import dev.arbiter.engine.scoring.Learning;
import dev.arbiter.engine.scoring.ModelState;
import dev.arbiter.engine.scoring.OutcomeClass;
import dev.arbiter.engine.scoring.ThompsonState;
import dev.arbiter.scoring.jdbc.JdbcModelStateRepository;
import dev.arbiter.testsupport.TestDatabase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** Learned evidence in PostgreSQL: atomic increments, and posteriors built from the prior. */
class ModelStateIntegrationTests {

  static JdbcClient migrated() {
    String url = TestDatabase.newDatabase();
    Flyway.configure()
        .dataSource(url, null, null)
        .locations("classpath:db/migration")
        .load()
        .migrate();
    JdbcClient jdbc = JdbcClient.create(new DriverManagerDataSource(url));
    jdbc.sql(
            "insert into tenants (id, key, name, created_at, updated_at) values ('t1', 't1', 'T', now(), now())")
        .update();
    return jdbc;
  }

  @Test
  void shouldNeverLoseAConcurrentUpdate() throws Exception {
    JdbcModelStateRepository repo = new JdbcModelStateRepository(migrated());
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> done = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      OutcomeClass outcome = i % 4 == 0 ? OutcomeClass.POSITIVE : OutcomeClass.NEGATIVE;
      done.add(
          pool.submit(
              () ->
                  repo.addBeta(
                      "t1",
                      "bandit",
                      Learning.thompsonIncrements("gold", "cards", outcome),
                      Instant.now())));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
    ModelEvidence e = repo.load("t1", "bandit");
    ModelEvidence.Beta offer =
        e.beta().stream().filter(b -> b.level().equals("offer")).findFirst().orElseThrow();
    assertThat(offer.alpha()).isEqualTo(50);
    assertThat(offer.beta()).isEqualTo(150);
    assertThat(e.beta()).hasSize(3);
  }

  @Test
  void shouldBuildPosteriorsFromTheModelsCurrentPriorPlusEvidence() {
    JdbcModelStateRepository repo = new JdbcModelStateRepository(migrated());
    learnGold(repo, OutcomeClass.POSITIVE);
    CatalogSnapshot snapshot = banditCatalog(1, 2, 8);
    ThompsonState state =
        (ThompsonState) new ModelStates(repo).forTenant("t1", snapshot).state("bandit");
    assertThat(state.offers().get("gold").alpha()).isEqualTo(3);
    assertThat(state.offers().get("gold").beta()).isEqualTo(8);
    assertThat(state.categories().get("cards").alpha()).isEqualTo(3);
    assertThat(state.global().alpha()).isEqualTo(3);
    assertThat(new ModelStates(repo).forTenant("t1", snapshot).state("missing-model")).isNull();
  }

  @Test
  void shouldBuildStateOncePerLoadedEvidenceAndModelDefinition() throws InterruptedException {
    JdbcModelStateRepository repo = new JdbcModelStateRepository(migrated());
    learnGold(repo, OutcomeClass.POSITIVE);
    ModelStates states = new ModelStates(repo);
    CatalogSnapshot v1 = banditCatalog(1, 2, 8);

    ModelState first = states.forTenant("t1", v1).state("bandit");
    ModelState second = states.forTenant("t1", v1).state("bandit");
    assertThat(second).as("the same evidence and definition: no rebuild").isSameAs(first);

    // A new catalog version with another prior: rebuilt from the same evidence.
    ThompsonState v2 =
        (ThompsonState) states.forTenant("t1", banditCatalog(2, 1, 1)).state("bandit");
    assertThat(v2).isNotSameAs(first);
    assertThat(v2.offers().get("gold").alpha()).isEqualTo(2);
    assertThat(v2.offers().get("gold").beta()).isEqualTo(1);

    // New evidence, once refreshed on this node, is in the next decision's state.
    learnGold(repo, OutcomeClass.NEGATIVE);
    states.refresh("t1", "bandit");
    ThompsonState refreshed = awaitState(states, v1, 1.0);
    assertThat(refreshed.offers().get("gold").alpha()).isEqualTo(3);
    assertThat(refreshed.offers().get("gold").beta()).isEqualTo(9);
  }

  @Test
  void shouldReadTheEvidenceAgainWhenAChangedDefinitionMadeItMeaningless() {
    JdbcClient jdbc = migrated();
    JdbcModelStateRepository repo = new JdbcModelStateRepository(jdbc);
    CatalogSnapshot v1 = naiveBayesCatalog(1, List.of(30, 50));
    var model = (dev.arbiter.engine.scoring.NaiveBayesModel) v1.model("nb");
    Map<String, Object> data = Map.of("customer", Map.of("age", 40));
    repo.addBins(
        "t1",
        "nb",
        Learning.naiveBayesIncrements(model, "gold", data, OutcomeClass.POSITIVE),
        Instant.now());
    ModelStates states = new ModelStates(repo);
    var before =
        (dev.arbiter.engine.scoring.NaiveBayesState) states.forTenant("t1", v1).state("nb");
    assertThat(before.offers().get("gold").binPositives(0, 1)).isEqualTo(1);

    // age gets other cut points, as many: the catalog deletes its counts in the same transaction
    jdbc.sql("delete from model_bin_counts where tenant_id = 't1' and predictor = 'age'").update();
    CatalogSnapshot v2 = naiveBayesCatalog(2, List.of(30, 60));
    var after = (dev.arbiter.engine.scoring.NaiveBayesState) states.forTenant("t1", v2).state("nb");

    // the offer's totals stay; age's counts are gone at once, not at the next refresh
    assertThat(after.offers().get("gold").positives()).isEqualTo(1);
    assertThat(after.offers().get("gold").binPositives(0, 1)).isZero();
    // a change that keeps the evidence's meaning (a new catalog version, the same predictors)
    // builds from what is loaded, without reading it again
    repo.addBins(
        "t1",
        "nb",
        Learning.naiveBayesIncrements(
            (dev.arbiter.engine.scoring.NaiveBayesModel) v2.model("nb"),
            "gold",
            data,
            OutcomeClass.POSITIVE),
        Instant.now());
    var same =
        (dev.arbiter.engine.scoring.NaiveBayesState)
            states.forTenant("t1", naiveBayesCatalog(3, List.of(30, 60))).state("nb");
    assertThat(same.offers().get("gold").positives()).isEqualTo(1);
    assertThat(same.offers().get("gold").binPositives(0, 1)).isZero();
  }

  private static CatalogSnapshot naiveBayesCatalog(long version, List<Integer> ageBins) {
    return catalog(
        version,
        new ModelDefinition(
            "m2",
            "nb",
            "NB",
            "naive_bayes",
            Map.of(
                "predictors", List.of(Map.of("name", "age", "type", "numeric", "bins", ageBins))),
            0.1));
  }

  /** The state once its offer "gold" has {@code extraBeta} more failures than the prior's. */
  private static ThompsonState awaitState(
      ModelStates states, CatalogSnapshot snapshot, double extraBeta) throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    ThompsonState s;
    do {
      s = (ThompsonState) states.forTenant("t1", snapshot).state("bandit");
      if (s.offers().get("gold").beta() == 8 + extraBeta) {
        return s;
      }
      Thread.sleep(10);
    } while (System.nanoTime() < deadline);
    return s;
  }

  /** One outcome of offer "gold" (category "cards") for the model "bandit" of tenant t1. */
  private static void learnGold(JdbcModelStateRepository repo, OutcomeClass outcome) {
    repo.addBeta(
        "t1", "bandit", Learning.thompsonIncrements("gold", "cards", outcome), Instant.now());
  }

  private static CatalogSnapshot banditCatalog(long version, int alpha, int beta) {
    return catalog(
        version,
        new ModelDefinition(
            "m1",
            "bandit",
            "Bandit",
            "thompson",
            Map.of("prior", Map.of("alpha", alpha, "beta", beta)),
            0.1));
  }

  /** Tenant t1's catalog of one model and nothing else. */
  private static CatalogSnapshot catalog(long version, ModelDefinition model) {
    return CatalogBuilder.build(
            new CatalogDefinition(
                "t1",
                version,
                List.of(),
                List.of(),
                List.of(),
                List.of(model),
                List.of(),
                List.of()))
        .orElseThrow();
  }
}
