import dev.arbiter.contact.ContactEntry;
import dev.arbiter.contact.ContactHistoryMetrics;
import dev.arbiter.contact.ContactHistoryProperties;
import dev.arbiter.contact.RedisContactHistoryStore;
import dev.arbiter.engine.policy.ContactEvent;
import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The CPU one read of a customer's contact list in Redis costs this process (the caller's thread
 * and Lettuce's event loop together): what every decision of a flow with a policy counting
 * decisions pays. Fills one list with ENTRIES decision entries (five per decision, as the
 * benchmark's flows return), then reads it READS times after twice as many warm-up reads, on one
 * thread, and counts the CPU time of that thread and of Lettuce's event loop.
 * Run by contact-read.sh against two builds; prints "entries cpu-ns/read wall-ns/read".
 *
 * <p>Usage: java -cp CLASSES:DEPS ContactRead.java REDIS_URI ENTRIES READS
 */
public class ContactRead {
  public static void main(String[] args) throws Exception {
    RedisURI uri = RedisURI.create(args[0]);
    int entries = Integer.parseInt(args[1]);
    int reads = Integer.parseInt(args[2]);
    var properties = new ContactHistoryProperties(Duration.ofDays(90), 10_000, 1000);
    var store =
        new RedisContactHistoryStore(
            null,
            uri,
            Duration.ofSeconds(2),
            (tenant, customer, since, until, limit) -> List.of(),
            properties,
            new ContactHistoryMetrics(new SimpleMeterRegistry()),
            Clock.systemUTC());
    store.ping();
    String tenant = "bench-" + UUID.randomUUID();
    String customer = "c-1";
    store.read(tenant, customer); // loads (nothing) and marks the list loaded
    Instant start = Instant.now().minusSeconds(3600);
    List<ContactEntry> batch = new ArrayList<>();
    for (int i = 0; i < entries; i++) {
      Instant at = start.plusMillis(i / 5 * 700L);
      batch.add(
          ContactEntry.decision(
              new ContactEvent("decision", "offer-" + (i * 37 % 100), "cat-" + (i % 7), "web", at)));
      if (batch.size() == 100 || i == entries - 1) {
        store.append(tenant, customer, batch);
        batch = new ArrayList<>();
      }
    }
    if (store.read(tenant, customer).events().size() != entries) {
      throw new IllegalStateException("the list does not hold " + entries + " entries");
    }
    long sink = 0;
    for (int round = 0; round < 2; round++) { // the JIT compiles for a while: warm up twice
      for (int i = 0; i < reads; i++) {
        sink += store.read(tenant, customer).events().size();
      }
    }
    long cpu0 = readerCpu();
    long wall0 = System.nanoTime();
    for (int i = 0; i < reads; i++) {
      sink += store.read(tenant, customer).events().size();
    }
    long cpu = readerCpu() - cpu0;
    long wall = System.nanoTime() - wall0;
    store.forget(tenant, customer);
    store.close();
    System.out.println(entries + " " + cpu / reads + " " + wall / reads + (sink == 0 ? " !" : ""));
  }

  /**
   * CPU time of the threads a read runs on: this one and Lettuce's event loops. Not the process's:
   * the JIT's compiler threads kept working through measured runs and made them differ by half.
   */
  static long readerCpu() {
    var threads = ManagementFactory.getThreadMXBean();
    long total = threads.getCurrentThreadCpuTime();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("lettuce-nioEventLoop")) {
        total += threads.getThreadCpuTime(t.threadId());
      }
    }
    return total;
  }
}
