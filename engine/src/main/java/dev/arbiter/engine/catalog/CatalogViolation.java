package dev.arbiter.engine.catalog;

/**
 * One problem with a catalog definition.
 *
 * @param path where, e.g. {@code offers[gold-card].budget.maxDecisions} or {@code
 *     qualificationRules[min_balance].expression/and/0}; collections are named as in the API and
 *     entries by key (by index when the key is missing)
 * @param message what is wrong, for a person
 */
public record CatalogViolation(String path, String message) {
  @Override
  public String toString() {
    return path + ": " + message;
  }
}
