import dev.arbiter.db.CompactJson;
import dev.arbiter.db.CompressedJson;
import dev.arbiter.db.EventBatch;
import dev.arbiter.decision.CompactDecisionEvents;
import dev.arbiter.decision.OutboxEvent;
import dev.arbiter.engine.pipeline.RankedOffer;
import java.lang.reflect.Constructor;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.smile.SmileMapper;

/**
 * What the decision log's writer spends per decision.made.v1 event of the reference flow (five
 * offers returned), encoded and compressed (zstd level 1, CompressedJson) in rows of 30 events:
 * the event's JSON (ARBITER_DECISION_EVENT_ENCODING=json), Jackson's binary JSON (Smile, the same
 * serializers), and the server's compact tokens (the default); and what a reader then spends
 * rendering each event's JSON from the row. Single thread, after warm-up; the median of 15 runs of
 * 200 rows. Then the compact rows at other zstd levels (the best of 30 runs). Run by
 * event-encodings.sh, which puts the server's classes and Smile on the class path.
 */
public class EventEncodings {
  static final JsonMapper JSON = JsonMapper.builder().build();
  static final SmileMapper SMILE = SmileMapper.builder().build();
  static final int ROW = 30;

  public static void main(String[] args) throws Exception {
    List<OutboxEvent> events = events(ROW * 200, new Random(1));
    List<List<OutboxEvent>> rows = new ArrayList<>();
    for (int i = 0; i < events.size(); i += ROW) {
      rows.add(events.subList(i, i + ROW));
    }
    System.out.printf("| encoding | write µs/event | of which compression | stored bytes/event | uncompressed bytes/event | read µs/event |%n");
    System.out.printf("|---|---:|---:|---:|---:|---:|%n");
    for (String variant : List.of("json", "smile", "compact")) {
      for (int w = 0; w < 10; w++) {
        run(variant, rows);
      }
      double[][] r = new double[15][];
      for (int i = 0; i < r.length; i++) {
        r[i] = run(variant, rows);
      }
      System.out.printf(
          "| %s | %.2f | %.2f | %.0f | %.0f | %.2f |%n",
          variant, median(r, 0), median(r, 1), median(r, 2), median(r, 3), median(r, 4));
    }
    levels(rows);
  }

  /** Compact rows compressed at other zstd levels than CompressedJson's 1. */
  static void levels(List<List<OutboxEvent>> rows) {
    List<byte[]> documents = new ArrayList<>();
    for (List<OutboxEvent> row : rows) {
      documents.add(encode("compact", row));
    }
    int events = rows.size() * ROW;
    System.out.printf("%n| zstd level (compact rows) | µs/event | stored bytes/event |%n|---|---:|---:|%n");
    for (int level : new int[] {1, -1, -4, -7, 3}) {
      try (var ctx = new com.github.luben.zstd.ZstdCompressCtx()) {
        ctx.setLevel(level);
        double best = Double.MAX_VALUE;
        long bytes = 0;
        for (int run = 0; run < 30; run++) {
          long t0 = System.nanoTime();
          bytes = 0;
          for (byte[] d : documents) {
            bytes += ctx.compress(d).length;
          }
          best = Math.min(best, (System.nanoTime() - t0) / 1e3 / events);
        }
        System.out.printf("| %d | %.2f | %d |%n", level, best, bytes / events);
      }
    }
  }

  static double median(double[][] runs, int column) {
    double[] v = Arrays.stream(runs).mapToDouble(x -> x[column]).sorted().toArray();
    return v[v.length / 2];
  }

  /** µs per event writing, of it compressing; bytes per event stored, uncompressed; µs reading. */
  static double[] run(String variant, List<List<OutboxEvent>> rows) {
    long write = 0, compress = 0, stored = 0, raw = 0, read = 0, n = 0;
    long sink = 0;
    for (List<OutboxEvent> row : rows) {
      long t0 = System.nanoTime();
      byte[] document = encode(variant, row);
      long t1 = System.nanoTime();
      byte[] compressed = CompressedJson.compress(document);
      long t2 = System.nanoTime();
      List<EventBatch.Entry> back = decode(variant, CompressedJson.decompress(compressed));
      long t3 = System.nanoTime();
      for (EventBatch.Entry e : back) {
        sink += e.json().length;
      }
      write += t2 - t0;
      compress += t2 - t1;
      read += t3 - t2;
      stored += compressed.length;
      raw += document.length;
      n += row.size();
    }
    if (sink == 42) {
      System.out.println();
    }
    return new double[] {
      write / 1e3 / n, compress / 1e3 / n, (double) stored / n, (double) raw / n, read / 1e3 / n
    };
  }

  static byte[] encode(String variant, List<OutboxEvent> row) {
    switch (variant) {
      case "compact" -> {
        EventBatch.CompactBatch batch = new EventBatch.CompactBatch();
        for (OutboxEvent e : row) {
          CompactDecisionEvents.write(e, batch.add(e.id(), e.partitionKey()));
        }
        return batch.toByteArray();
      }
      default -> {
        var mapper = variant.equals("json") ? JSON : SMILE;
        List<EventBatch.Entry> entries = new ArrayList<>(row.size());
        for (OutboxEvent e : row) {
          entries.add(new EventBatch.Entry(e.id(), e.partitionKey(), mapper.writeValueAsBytes(e.event())));
        }
        return EventBatch.encode(entries);
      }
    }
  }

  static List<EventBatch.Entry> decode(String variant, byte[] document) {
    List<EventBatch.Entry> entries = EventBatch.decode(document, JSON);
    if (!variant.equals("smile")) {
      return entries;
    }
    List<EventBatch.Entry> json = new ArrayList<>(entries.size());
    for (EventBatch.Entry e : entries) {
      var out = new java.io.ByteArrayOutputStream();
      try (var p = SMILE.createParser(e.json());
          var g = JSON.createGenerator(out)) {
        p.nextToken();
        g.copyCurrentStructure(p);
      }
      json.add(new EventBatch.Entry(e.id(), e.partitionKey(), out.toByteArray()));
    }
    return json;
  }

  /** Decisions as Recommend makes them on the reference flow (the records are package-private). */
  static List<OutboxEvent> events(int n, Random r) throws Exception {
    Class<?> offerClass = Class.forName("dev.arbiter.decision.RecommendService$DecidedOffer");
    Class<?> dataClass = Class.forName("dev.arbiter.decision.RecommendService$DecisionMade");
    Constructor<?> offer = offerClass.getDeclaredConstructor(RankedOffer.class, String.class, Map.class);
    Constructor<?> data = dataClass.getDeclaredConstructors()[0];
    for (Constructor<?> c : dataClass.getDeclaredConstructors()) {
      if (c.getParameterCount() == 14) {
        data = c;
      }
    }
    offer.setAccessible(true);
    data.setAccessible(true);
    List<OutboxEvent> events = new ArrayList<>();
    long millis = System.currentTimeMillis();
    // the catalog's strings are one instance each, as a catalog snapshot holds them; a request's
    // channel and placement are new strings every time, as read from its body
    String[] keys = new String[100];
    String[] ids = new String[100];
    String[] names = new String[100];
    for (int k = 0; k < 100; k++) {
      keys[k] = "offer-" + k;
      ids[k] = UUID.nameUUIDFromBytes(new byte[] {(byte) k}).toString();
      names[k] = "Offer number " + k;
    }
    for (int i = 0; i < n; i++) {
      String id = String.format("%08x-%04x-7%03x-8000-%012x", millis >>> 16, millis & 0xFFFF, i & 0xFFF, r.nextLong() & 0xFFFFFFFFFFFFL);
      Instant at = Instant.ofEpochMilli(millis).plusNanos(r.nextInt(1_000_000) * 1000L);
      String customer = "customer-" + r.nextInt(10_000);
      List<Object> offers = new ArrayList<>();
      for (int rank = 1; rank <= 5; rank++) {
        int k = r.nextInt(100);
        RankedOffer o = new RankedOffer(rank, keys[k], ids[k], names[k], r.nextDouble() * 100,
            r.nextDouble(), false, Map.of());
        offers.add(offer.newInstance(o, "small", Map.of()));
      }
      Object d = data.newInstance(id, "bench", customer, UUID.randomUUID().toString(), "ref100", 1, 3L,
          new String("web"), new String("hero"), "bandit", null, at.toString(), r.nextLong(), offers);
      events.add(OutboxEvent.cloudEvent(id, "t1", "bench", "decision.made.v1", customer, at, d));
    }
    return events;
  }
}
