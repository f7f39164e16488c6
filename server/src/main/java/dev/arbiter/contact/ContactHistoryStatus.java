package dev.arbiter.contact;

import java.time.Instant;

/**
 * Where the contact history store keeps lists now, for {@code /api/health}.
 *
 * @param mode {@value #MODE_REDIS} or {@value #MODE_IN_PROCESS}
 * @param healthy false only while a configured Redis is unreachable (report {@code degraded}); true
 *     for the in-process mode chosen by configuration (report {@code disabled})
 * @param configured whether Redis was configured
 * @param lastError the most recent Redis failure, or null if none; kept after recovery; never
 *     contains credentials
 * @param since when the current mode and health began
 * @param pendingReplay entries appended during the outage that wait to be written to Redis, plus
 *     customers whose Redis lists wait to be deleted (the replay buffer overflowed)
 */
public record ContactHistoryStatus(
    String mode,
    boolean healthy,
    boolean configured,
    String lastError,
    Instant since,
    int pendingReplay) {
  public static final String MODE_REDIS = "redis";
  public static final String MODE_IN_PROCESS = "in_process";
}
