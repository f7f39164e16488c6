package dev.arbiter.engine.catalog;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The outcome of building a snapshot: the snapshot, or every violation found (never both).
 *
 * @param snapshot the snapshot, null when there are violations
 * @param violations every problem found, empty when the snapshot was built
 */
public record CatalogBuildResult(CatalogSnapshot snapshot, List<CatalogViolation> violations) {
  public CatalogBuildResult {
    violations = List.copyOf(violations);
    if ((snapshot == null) == violations.isEmpty()) {
      throw new IllegalArgumentException("exactly one of snapshot and violations");
    }
  }

  public boolean valid() {
    return snapshot != null;
  }

  /**
   * The snapshot.
   *
   * @throws IllegalStateException listing every violation when there are some
   */
  public CatalogSnapshot orElseThrow() {
    if (snapshot == null) {
      throw new IllegalStateException(
          "invalid catalog: "
              + violations.stream()
                  .map(CatalogViolation::toString)
                  .collect(Collectors.joining("; ")));
    }
    return snapshot;
  }
}
