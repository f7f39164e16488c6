package dev.arbiter.engine.scoring;

import java.util.Map;

/**
 * Beta posteriors of a Thompson model at three levels. Missing entries mean "prior only".
 *
 * @param offers posterior per offer key; copied, never null
 * @param categories posterior per category; copied, never null
 * @param global the posterior over all offers, or null for prior only
 */
public record ThompsonState(
    Map<String, BetaCounts> offers, Map<String, BetaCounts> categories, BetaCounts global)
    implements ModelState {
  /** No evidence at any level. */
  public static final ThompsonState EMPTY = new ThompsonState(Map.of(), Map.of(), null);

  public ThompsonState {
    offers = Map.copyOf(offers);
    categories = Map.copyOf(categories);
  }
}
