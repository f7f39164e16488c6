package dev.arbiter.engine.pipeline;

import dev.arbiter.engine.policy.ContactEvent;
import java.util.List;

/**
 * What the caller knows about the customer for contact policies.
 *
 * @param history the customer's contact history in any order; the caller may trim it to the longest
 *     policy window. Copied; null means none.
 */
public record CustomerState(List<ContactEvent> history) {
  /** A customer with no history. */
  public static final CustomerState NONE = new CustomerState(List.of());

  public CustomerState {
    history = history == null ? List.of() : List.copyOf(history);
  }
}
