import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Nine stage-latency records per decision, one and two threads at once: through Micrometer's
 * Prometheus timers (a percentile histogram from 500 ns to 100 ms, what DecisionMetrics used) and
 * as LongAdder increments of a bucket and a sum (what StageLatencies does). Prints wall ns per
 * record per thread. Run by timer-contention.sh (the server jar's Micrometer on the classpath).
 */
public class TimerContention {
  public static void main(String[] args) throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Timer[] timers = new Timer[9];
    LongAdder[][] adders = new LongAdder[9][80];
    for (int i = 0; i < 9; i++) {
      timers[i] =
          Timer.builder("stage")
              .tag("stage", Integer.toString(i))
              .publishPercentileHistogram()
              .minimumExpectedValue(Duration.ofNanos(500))
              .maximumExpectedValue(Duration.ofMillis(100))
              .register(registry);
      for (int b = 0; b < 80; b++) {
        adders[i][b] = new LongAdder();
      }
    }
    int n = 2_000_000;
    for (int threads : new int[] {1, 2, 1, 2}) {
      for (String mode : new String[] {"micrometer", "longadder"}) {
        Thread[] running = new Thread[threads];
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
          running[t] =
              new Thread(
                  () -> {
                    for (int k = 0; k < n; k++) {
                      for (int i = 0; i < 9; i++) {
                        long micros = (k * 7L + i * 13L) % 20;
                        if (mode.equals("micrometer")) {
                          timers[i].record(micros, TimeUnit.MICROSECONDS);
                        } else {
                          adders[i][64 - Long.numberOfLeadingZeros(micros * 1000)].increment();
                          adders[i][79].add(micros * 1000);
                        }
                      }
                    }
                  });
          running[t].start();
        }
        for (Thread t : running) {
          t.join();
        }
        double ns = (System.nanoTime() - start) / (double) (n * 9L);
        System.out.printf("threads=%d %s %.1f ns per record%n", threads, mode, ns);
      }
    }
  }
}
