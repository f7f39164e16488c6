package dev.arbiter.scoring;

import dev.arbiter.engine.scoring.Learning;
import java.time.Instant;
import java.util.List;

/**
 * Storage of learned evidence; {@code add…} are atomic increments inside the caller's transaction.
 */
public interface ModelStateRepository {
  ModelEvidence load(String tenantId, String modelKey);

  void addBeta(
      String tenantId, String modelKey, List<Learning.BetaIncrement> increments, Instant at);

  void addBins(
      String tenantId, String modelKey, List<Learning.BinIncrement> increments, Instant at);
}
