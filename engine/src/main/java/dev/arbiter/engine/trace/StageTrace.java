package dev.arbiter.engine.trace;

import java.util.List;

/**
 * What one stage did.
 *
 * @param stage the stage
 * @param in offers that entered the stage
 * @param out offers that left it still eligible ({@code in - removed.size()})
 * @param durationMicros wall time the stage took, in microseconds (rounded down)
 * @param removed the offers the stage removed, in candidate order; immutable
 */
public record StageTrace(Stage stage, int in, int out, long durationMicros, List<Removal> removed) {
  public StageTrace {
    removed = List.copyOf(removed);
  }
}
