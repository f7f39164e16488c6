package dev.arbiter.scoring.web;

import dev.arbiter.catalog.CatalogSnapshots;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.scoring.ScoringModel;
import dev.arbiter.scoring.ModelStates;
import dev.arbiter.security.Caller;
import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import dev.arbiter.shared.ApiException;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/models/{key}/state}: what a model has learned ({@link ModelStates#view}), for
 * an operator asking whether it learns and what it believes of each offer, without a pipeline of
 * the event stream.
 */
@RestController
class ModelStateController {
  private final CatalogSnapshots snapshots;
  private final ModelStates states;

  ModelStateController(CatalogSnapshots snapshots, ModelStates states) {
    this.snapshots = snapshots;
    this.states = states;
  }

  @GetMapping("/api/v1/models/{key}/state")
  @Requires(Permission.READ)
  Map<String, Object> state(Caller caller, @PathVariable String key) {
    CatalogSnapshot snapshot = snapshots.current(caller.tenantId()).snapshot();
    ScoringModel model = snapshot.model(key);
    if (model == null) {
      throw ApiException.notFound("Model '" + key + "'");
    }
    return states.view(caller.tenantId(), snapshot, model);
  }
}
