package dev.arbiter.web;

import dev.arbiter.shared.Problem;
import jakarta.servlet.http.HttpServletRequest;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import org.springframework.jdbc.CannotGetJdbcConnectionException;

/**
 * Tells a database that cannot be reached (503, retry shortly) from a query that failed (500).
 * Connection failures, pool timeouts, SQLSTATE class 08 (connection exception) and 57P (operator
 * intervention: shutdown, restart) count as unavailable.
 */
public final class DatabaseFailures {
  private DatabaseFailures() {}

  public static boolean isUnavailable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof CannotGetJdbcConnectionException
          || t instanceof SQLTransientConnectionException
          || t instanceof SQLNonTransientConnectionException
          || t instanceof ConnectException) {
        return true;
      }
      if (t instanceof SQLException sql) {
        String state = sql.getSQLState();
        if (state != null && (state.startsWith("08") || state.startsWith("57P"))) {
          return true;
        }
        // A pooled connection the server closed under us fails its rollback this way.
        if (state == null
            && sql.getMessage() != null
            && sql.getMessage()
                .toLowerCase(java.util.Locale.ROOT)
                .contains("connection is closed")) {
          return true;
        }
      }
      if (t instanceof org.springframework.transaction.TransactionSystemException tse
          && tse.getOriginalException() != null
          && isUnavailable(tse.getOriginalException())) {
        return true;
      }
    }
    return false;
  }

  /** The problem a client sees while the database is unavailable, as {@code request}'s answer. */
  public static Problem problem(HttpServletRequest request) {
    return RequestLoggingFilter.answering(
        request,
        Problem.of(
            503,
            "DATABASE_UNAVAILABLE",
            "Database unavailable",
            "The database cannot be reached right now; retry shortly",
            RequestIds.of(request),
            List.of(),
            null));
  }
}
