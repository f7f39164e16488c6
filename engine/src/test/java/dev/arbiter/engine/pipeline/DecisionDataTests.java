package dev.arbiter.engine.pipeline;

import static dev.arbiter.engine.Fixtures.catalog;
import static dev.arbiter.engine.Fixtures.flow;
import static dev.arbiter.engine.Fixtures.model;
import static dev.arbiter.engine.Fixtures.object;
import static dev.arbiter.engine.Fixtures.offer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.scoring.Learning;
import dev.arbiter.engine.scoring.NaiveBayesModel;
import dev.arbiter.engine.scoring.OutcomeClass;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DecisionDataTests {

  @Test
  void shouldShowRulesTheCustomerTheRequestAndTheOffer() {
    CatalogSnapshot snapshot =
        catalog().offers(offer("gold").category("cards")).flows(flow("f").offers("gold")).build();

    Map<String, Object> data =
        DecisionData.of(
            snapshot.offer("gold"),
            object("{'age': 30}"),
            "web",
            "hero",
            object("{'page': 'home'}"));

    assertThat(data).containsOnlyKeys("customer", "request", "offer");
    assertThat(data.get("customer")).isEqualTo(Map.of("age", 30));
    assertThat(data.get("request"))
        .isEqualTo(
            Map.of("channel", "web", "placement", "hero", "context", Map.of("page", "home")));
    @SuppressWarnings("unchecked")
    Map<String, Object> offerView = (Map<String, Object>) data.get("offer");
    assertThat(offerView).containsEntry("key", "gold").containsEntry("category", "cards");
    assertThat(data.get("nothing")).isNull();
  }

  @Test
  void shouldLetTheCallerFoldNaiveBayesOutcomesWithTheDataOfTheDecision() {
    CatalogSnapshot snapshot =
        catalog()
            .offers(offer("gold"))
            .models(
                model(
                    "nb",
                    "naive_bayes",
                    "{'predictors': [{'name': 'device', 'path': 'request.context.device', 'type': 'symbolic', 'values': ['mobile', 'desktop']}]}",
                    0.1))
            .flows(flow("f").offers("gold").model("nb"))
            .build();
    NaiveBayesModel model = (NaiveBayesModel) snapshot.model("nb");

    var state =
        Learning.naiveBayes(
            model,
            null,
            "gold",
            DecisionData.of(
                snapshot.offer("gold"), Map.of(), "web", "hero", Map.of("device", "desktop")),
            OutcomeClass.POSITIVE);

    assertThat(state.offers().get("gold").binPositives(0, 1)).isEqualTo(1);
  }
}
