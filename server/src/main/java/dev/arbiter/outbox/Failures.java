package dev.arbiter.outbox;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;

/**
 * Sorts failures into transient ones (the broker or the database is unreachable or slow: wait and
 * try again, never give up an event for it) and the rest.
 */
final class Failures {
  private Failures() {}

  static boolean isTransient(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof RetriableException
          || t instanceof InterruptException
          || t instanceof TransientDataAccessException
          || t instanceof DataAccessResourceFailureException
          || t instanceof SQLTransientException
          || t instanceof SQLRecoverableException
          || t instanceof java.net.ConnectException) {
        return true;
      }
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        String state = sql.getSQLState();
        // 08: connection exception; 57P: operator intervention (shutdown, crash recovery).
        if (state.startsWith("08") || state.startsWith("57P")) {
          return true;
        }
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /**
   * The broker refuses this publisher, not the event: its credentials or certificate (SASL, TLS),
   * its permissions (topic, cluster) or its protocol version. Every event would fail alike until an
   * operator mends it, so such a failure must not use up the events' attempts (which would
   * dead-letter the whole backlog within minutes); it still counts toward the publisher giving up.
   */
  static boolean refusesPublisher(Throwable e) {
    return e instanceof AuthenticationException
        || e instanceof AuthorizationException
        || e instanceof UnsupportedVersionException;
  }

  /** Errors after which an idempotent producer cannot be used again and must be replaced. */
  static boolean breaksProducer(Throwable e) {
    return e instanceof ProducerFencedException
        || e instanceof OutOfOrderSequenceException
        || e instanceof AuthenticationException
        || e instanceof AuthorizationException
        || e instanceof UnsupportedVersionException
        || e instanceof IllegalStateException;
  }

  /**
   * A record the producer dropped unsent because this process closed it ({@code close} with a
   * timeout aborts what is still buffered with a plain {@code KafkaException}): not a failure of
   * the event, which must not use up an attempt for it.
   */
  static boolean abortedByClose(Throwable e) {
    return e != null
        && e.getClass() == KafkaException.class
        && e.getMessage() != null
        && e.getMessage().startsWith("Producer is closed forcefully");
  }

  static String describe(Throwable e) {
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }
}
