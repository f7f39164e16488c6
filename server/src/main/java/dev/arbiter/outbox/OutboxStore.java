package dev.arbiter.outbox;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The {@code outbox_events} table as the publisher, the reaper and the APIs use it. Times that
 * decide eligibility (due, stale) are the database's clock, so nodes with skewed clocks agree.
 * Every method is one short transaction and safe to call from many threads and processes.
 */
public interface OutboxStore {

  /**
   * Claims pending rows that are due, in id order, holding up to {@code limit} events (at least one
   * row, whatever it holds; a row holds one event or, since V12, a batch; and past the limit, each
   * next row whose first id lies within the ids already taken), skipping rows another transaction
   * holds ({@code FOR UPDATE SKIP LOCKED}): two callers never get the same row. Claimed rows become
   * {@code processing} with {@code claimed_at} now and {@code attempts + 1}.
   *
   * @return the claimed rows in id order
   */
  List<ClaimedEvent> claim(int limit);

  /** Marks rows {@code published} (the broker acknowledged them). */
  void markPublished(List<String> ids);

  /**
   * A failed attempt: back to {@code pending} after {@code delay}, or dead-lettered.
   *
   * @param counted whether the attempt counts toward dead-lettering: a transient failure (the
   *     broker or database unreachable or slow) gives back the attempt its claim counted
   */
  record Failure(String id, String error, Duration delay, boolean deadLetter, boolean counted) {}

  /** Records failed attempts: {@code pending} again after their delay, or {@code failed}. */
  void markFailed(List<Failure> failures);

  /**
   * Returns claimed rows that were never sent to {@code pending}, due now, without counting the
   * attempt (shutdown, or the broker refused the batch before these were tried).
   */
  void release(List<String> ids);

  /**
   * Resets rows {@code processing} for longer than {@code staleness} to {@code pending} in one
   * statement (their publisher presumably died). Idempotent.
   *
   * @return how many rows were reset
   */
  int reapStale(Duration staleness);

  /** Rows and the events they held. */
  record Purged(int rows, long events) {}

  /** Deletes up to {@code limit} published rows created before {@code cutoff}. */
  Purged purgePublished(Instant cutoff, int limit);

  /** Deletes up to {@code limit} pending rows created before {@code cutoff} (log-only mode). */
  Purged purgePending(Instant cutoff, int limit);

  /** Records that publisher {@code name} runs now ({@code outbox_publishers}). */
  void recordPublisher(String name);

  /**
   * When a publisher last recorded itself ({@link #recordPublisher}), if one ever did: log-only
   * nodes then keep pending events for it.
   */
  java.util.Optional<Instant> publisherLastSeen();

  OutboxStats stats();

  /**
   * The tenant's rows in log order ({@code inserted_at}, then id) after {@code after}; after a
   * position inside a batch row, from that row on (the caller skips what of it was read).
   *
   * @param status only this status; null for all
   * @param after a {@link StoredEvent#position()}, or null for the start
   * @param settle only rows inserted at least this long ago (zero for all)
   */
  List<StoredEvent> list(
      String tenantId, String status, LogPosition after, int limit, java.time.Duration settle);

  /**
   * A decoded {@link StoredEvent#position()}: a row, or with {@code index} at least 0, the event of
   * that index in a batch row.
   */
  record LogPosition(Instant insertedAt, String id, int index) {
    /**
     * @throws IllegalArgumentException when {@code text} is not a position
     */
    public static LogPosition parse(String text) {
      int colon = text.indexOf(':');
      if (colon < 1) {
        throw new IllegalArgumentException("not a log position: " + text);
      }
      long micros = Long.parseLong(text.substring(0, colon));
      String rest = text.substring(colon + 1);
      int second = rest.indexOf(':');
      int index = -1;
      if (second >= 0) {
        index = Integer.parseInt(rest.substring(second + 1));
        if (index < 0) {
          throw new IllegalArgumentException("not a log position: " + text);
        }
        rest = rest.substring(0, second);
      }
      if (rest.isEmpty()) {
        throw new IllegalArgumentException("not a log position: " + text);
      }
      return new LogPosition(
          Instant.ofEpochSecond(
              Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000),
          rest,
          index);
    }

    /** Whether this is a position inside a batch row (its rest is read from the same row). */
    public boolean inBatch() {
      return index >= 0;
    }
  }

  /** One of the tenant's rows. */
  Optional<StoredEvent> find(String tenantId, String id);

  /**
   * Puts a {@code failed} or {@code pending} row of the tenant back to {@code pending}, due now,
   * attempts and last error cleared. A row in another status is left as it is.
   *
   * @return the row as it was before, or empty if the tenant has no such row
   */
  Optional<StoredEvent> retry(String tenantId, String id);

  /**
   * Puts up to {@code limit} of the tenant's {@code failed} rows back to {@code pending} as {@link
   * #retry} does, oldest first (insert time, then id): those of {@code type} when it is not null,
   * created before {@code createdBefore} when it is not null. Rows locked by another retry are left
   * to it.
   */
  FailedRows retryFailed(String tenantId, String type, Instant createdBefore, int limit);

  /**
   * Deletes a {@code failed} row of the tenant (a dead letter no retry will mend). A row in another
   * status is left as it is.
   *
   * @return the row as it was before, or empty if the tenant has no such row
   */
  Optional<StoredEvent> discard(String tenantId, String id);

  /**
   * Deletes up to {@code limit} of the tenant's {@code failed} rows, chosen as {@link #retryFailed}
   * chooses them.
   */
  FailedRows discardFailed(String tenantId, String type, Instant createdBefore, int limit);

  /**
   * What {@link #retryFailed} or {@link #discardFailed} did: rows and the events they hold, the
   * first and last row id (null when none), and whether matching failed rows are left.
   */
  record FailedRows(int rows, long events, String firstId, String lastId, boolean more) {}
}
