package dev.arbiter.outbox;

/**
 * A claimed event whose stored document this node cannot read. It fails the event's attempt (not
 * transient: retried with backoff, then dead-lettered with this message as {@code last_error}), and
 * leaves the producer and the rest of the batch alone.
 */
public class UnreadableEventException extends RuntimeException {
  public UnreadableEventException(String message) {
    super(message);
  }
}
