package dev.arbiter.db;

/**
 * How the decision log writes {@code decision.made.v1} events into rows of several ({@code
 * ARBITER_DECISION_EVENT_ENCODING}). Readers accept both in any mix, so the setting can change at
 * any time; it only decides what is written from then on. Rows of one event are always JSON.
 */
public enum EventEncoding {
  /**
   * Tokens of the event's JSON ({@link EventBatch#COMPACT}), rendered as JSON by whoever reads
   * them: the publisher, the event API, a Respond looking up its decision. The default.
   */
  COMPACT,
  /**
   * Each event's JSON ({@link EventBatch#FORMAT}), the only batch that nodes built before the
   * compact encoding read. For a rolling upgrade from such a version: new nodes write it until no
   * old node is left.
   */
  JSON
}
