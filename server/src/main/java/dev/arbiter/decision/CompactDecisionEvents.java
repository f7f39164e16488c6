package dev.arbiter.decision;

import dev.arbiter.db.CompactJson;
import dev.arbiter.db.EventBatch;
import dev.arbiter.decision.OutboxEvent.CloudEvent;
import dev.arbiter.decision.RecommendService.DecisionMade;

/**
 * {@code decision.made.v1} events in a compact event batch ({@link EventBatch#COMPACT}): the tokens
 * of the CloudEvent JSON the server's mapper writes for them, written without formatting a number
 * or escaping a string. The decision log writes every decision's event this way unless told
 * otherwise ({@code ARBITER_DECISION_EVENT_ENCODING}); readers render the JSON from it.
 */
public final class CompactDecisionEvents {
  private static final CompactJson.Name SPECVERSION = new CompactJson.Name("specversion");
  private static final CompactJson.Name ID = new CompactJson.Name("id");
  private static final CompactJson.Name SOURCE = new CompactJson.Name("source");
  private static final CompactJson.Name TYPE = new CompactJson.Name("type");
  private static final CompactJson.Name SUBJECT = new CompactJson.Name("subject");
  private static final CompactJson.Name TIME = new CompactJson.Name("time");
  private static final CompactJson.Name DATACONTENTTYPE = new CompactJson.Name("datacontenttype");
  private static final CompactJson.Name DATA = new CompactJson.Name("data");

  private CompactDecisionEvents() {}

  /**
   * Whether {@code e} can be written compactly: a CloudEvent of a decision, every attribute set (a
   * null attribute is written or left out as the mapper is configured, which this class does not
   * know).
   */
  public static boolean compactable(OutboxEvent e) {
    return e.event() instanceof CloudEvent c
        && c.data() instanceof DecisionMade
        && c.specversion() != null
        && c.id() != null
        && c.source() != null
        && c.type() != null
        && c.subject() != null
        && c.time() != null
        && c.datacontenttype() != null;
  }

  /**
   * Writes {@code e}'s CloudEvent to {@code s}, attributes in their {@code @JsonPropertyOrder}.
   *
   * @throws IllegalArgumentException when {@code e} is not {@link #compactable}
   */
  public static void write(OutboxEvent e, CompactJson.Sink s) {
    if (!compactable(e)) {
      throw new IllegalArgumentException(
          "Expected a decision's CloudEvent with every attribute set, but event "
              + e.id()
              + " is not one");
    }
    CloudEvent c = (CloudEvent) e.event();
    s.startObject();
    s.name(SPECVERSION);
    s.string(c.specversion());
    s.name(ID);
    s.text(c.id());
    s.name(SOURCE);
    s.string(c.source());
    s.name(TYPE);
    s.string(c.type());
    s.name(SUBJECT);
    s.text(c.subject());
    s.name(TIME);
    s.text(c.time());
    s.name(DATACONTENTTYPE);
    s.string(c.datacontenttype());
    s.name(DATA);
    DecisionMadeJson.write((DecisionMade) c.data(), s);
    s.endObject();
  }
}
