package dev.arbiter.shared;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Ids are UUIDv7 strings: unique across threads, increasing within a thread, now-stamped. */
class IdsTests {
  @Test
  void shouldBeUniqueVersion7IdsIncreasingInEachThread() throws Exception {
    Set<String> seen = ConcurrentHashMap.newKeySet();
    long before = System.currentTimeMillis();
    try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        done.add(
            pool.submit(
                () -> {
                  String previous = "";
                  for (int i = 0; i < 50_000; i++) {
                    String id = Ids.newId();
                    assertThat(id).isGreaterThan(previous);
                    assertThat(seen.add(id)).as("unique: %s", id).isTrue();
                    previous = id;
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
    long after = System.currentTimeMillis();
    assertThat(seen).hasSize(200_000);
    for (String id : List.of(seen.iterator().next(), Ids.newId())) {
      UUID uuid = UUID.fromString(id);
      assertThat(uuid.version()).isEqualTo(7);
      assertThat(uuid.variant()).isEqualTo(2);
      assertThat(id).isEqualTo(id.toLowerCase(java.util.Locale.ROOT));
      long millis = uuid.getMostSignificantBits() >>> 16;
      assertThat(millis).isBetween(before, after + 1_000);
    }
  }
}
