package dev.arbiter.engine.scoring;

import java.util.LinkedHashMap;
import java.util.Map;

/** The offer a model scores, as the model sees it. Implemented by the catalog's compiled offer. */
public interface ScoringSubject {

  /** The offer's key, never null. */
  String key();

  /** The offer's category, or null. */
  default String category() {
    return null;
  }

  /**
   * The offer's fields as rules see them ({@code offer}), what an {@link ExternalScorer} sends; by
   * default its key and category.
   */
  default Map<String, ?> fields() {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("key", key());
    if (category() != null) {
      fields.put("category", category());
    }
    return fields;
  }

  /**
   * A stable per-offer value mixed with the request seed to give the offer its own draws; by
   * default the {@link SeededRandom#hash(String)} of the key.
   */
  default long randomStream() {
    return SeededRandom.hash(key());
  }
}
