package dev.arbiter.engine.scoring;

/** The offer a model scores, as the model sees it. Implemented by the catalog's compiled offer. */
public interface ScoringSubject {

  /** The offer's key, never null. */
  String key();

  /** The offer's category, or null. */
  default String category() {
    return null;
  }

  /**
   * A stable per-offer value mixed with the request seed to give the offer its own draws; by
   * default the {@link SeededRandom#hash(String)} of the key.
   */
  default long randomStream() {
    return SeededRandom.hash(key());
  }
}
