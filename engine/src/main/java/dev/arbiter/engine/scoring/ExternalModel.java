package dev.arbiter.engine.scoring;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A model the operator runs as a service: one call per decision scores every offer still in the
 * running, through the caller's {@link ExternalScorer} (the engine itself does no I/O). An offer
 * the service leaves unscored, or scores outside [0, 1], gets the fallback score, flagged; a failed
 * or late call gives every offer of the decision the fallback score.
 *
 * <p>Config: {@code {"url": "https://scoring.internal/v1/score", "timeoutMs": 150}}: an absolute
 * {@code http} or {@code https} URL without credentials in it, and the longest the call may take
 * ({@value #MIN_TIMEOUT_MS} to {@value #MAX_TIMEOUT_MS} ms, default {@value #DEFAULT_TIMEOUT_MS}).
 *
 * @param key the model's key
 * @param fallbackScore in [0, 1]
 * @param url where the scores are asked for
 * @param timeout the longest the call may take, connection included
 */
public record ExternalModel(String key, double fallbackScore, URI url, Duration timeout)
    implements ScoringModel {
  public static final int MIN_TIMEOUT_MS = 10;
  public static final int MAX_TIMEOUT_MS = 5_000;
  public static final int DEFAULT_TIMEOUT_MS = 200;

  public ExternalModel {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(timeout, "timeout");
  }

  @Override
  public String type() {
    return "external";
  }

  @Override
  public boolean offerIndependent() {
    return false;
  }

  /**
   * Not scored one offer at a time: the pipeline asks the {@link ExternalScorer} for all of a
   * decision's offers at once. NaN (the fallback) if called.
   */
  @Override
  public double score(
      ScoringSubject subject, Map<String, ?> data, ModelState state, SeededRandom random) {
    return Double.NaN;
  }
}
