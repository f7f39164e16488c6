package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.scoring.ModelState;
import java.util.Map;

/** The caller's learned state per model key. Implementations must be safe to call concurrently. */
@FunctionalInterface
public interface ModelStates {

  /** No learned state for any model (models score from their priors). */
  ModelStates NONE = modelKey -> null;

  /** The state of the model with this key, or null when there is none. */
  ModelState state(String modelKey);

  /** States from a map of model key to state. */
  static ModelStates of(Map<String, ? extends ModelState> states) {
    Map<String, ModelState> copy = Map.copyOf(states);
    return copy::get;
  }
}
