package dev.arbiter.shared;

import java.util.function.IntUnaryOperator;

/** Retention deletes in bounded statements, so no single one holds locks or WAL for long. */
public final class BatchedDeletes {
  private BatchedDeletes() {}

  /**
   * Calls {@code deleteUpTo} with {@code batch} until it deletes fewer rows than that.
   *
   * @param deleteUpTo deletes at most its argument rows and returns how many it deleted
   * @return how many were deleted in all
   */
  public static int all(int batch, IntUnaryOperator deleteUpTo) {
    int total = 0;
    int n;
    do {
      n = deleteUpTo.applyAsInt(batch);
      total += n;
    } while (n == batch);
    return total;
  }
}
