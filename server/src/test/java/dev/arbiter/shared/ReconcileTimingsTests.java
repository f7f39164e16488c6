package dev.arbiter.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReconcileTimingsTests {
  private static final ReconcileTimings FAST =
      new ReconcileTimings(
          Duration.ofMillis(10),
          Duration.ofMillis(20),
          Duration.ofMillis(50),
          Duration.ofMillis(50),
          10,
          10);

  @Test
  void shouldRunMarksAndReconcilesRepeatedlyOnNamedDaemonThreadsUntilStopped() throws Exception {
    CountDownLatch marks = new CountDownLatch(3);
    CountDownLatch reconciles = new CountDownLatch(3);
    String[] thread = new String[1];
    boolean[] daemon = new boolean[1];
    ScheduledExecutorService background =
        FAST.start(
            "test-reconcile",
            () -> {
              thread[0] = Thread.currentThread().getName();
              daemon[0] = Thread.currentThread().isDaemon();
              marks.countDown();
            },
            reconciles::countDown);

    assertThat(marks.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(reconciles.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(thread[0]).isEqualTo("test-reconcile");
    assertThat(daemon[0]).isTrue();

    ReconcileTimings.stop(background);
    assertThat(background.isTerminated()).isTrue();
    ReconcileTimings.stop(null); // never started: nothing to do
  }

  @Test
  void shouldRefuseAGraceOrLeaseShorterThanFiveMarkIntervals() {
    assertThatThrownBy(
            () ->
                new ReconcileTimings(
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(30),
                    Duration.ofSeconds(4),
                    Duration.ofMinutes(2),
                    500,
                    100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("grace");
    assertThatThrownBy(
            () ->
                new ReconcileTimings(
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(30),
                    Duration.ofMinutes(1),
                    Duration.ofSeconds(4),
                    500,
                    100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lease");
    assertThat(ReconcileTimings.DEFAULTS.withReconcileInterval(Duration.ofMinutes(5)))
        .isEqualTo(
            new ReconcileTimings(
                Duration.ofSeconds(1),
                Duration.ofMinutes(5),
                Duration.ofMinutes(1),
                Duration.ofMinutes(2),
                500,
                100_000));
  }
}
