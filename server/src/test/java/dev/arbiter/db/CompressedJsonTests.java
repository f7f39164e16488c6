package dev.arbiter.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import dev.arbiter.db.CompressedJson.Codec;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CompressedJsonTests {
  /** A trace-like document: many small objects with repeated names and varied numbers. */
  static byte[] document() {
    StringBuilder b = new StringBuilder("{\"scores\":[");
    for (int i = 0; i < 100; i++) {
      b.append(i == 0 ? "" : ",")
          .append("{\"offerKey\":\"a-")
          .append(i)
          .append("\",\"propensity\":")
          .append(Math.sqrt(i) / 10.01)
          .append(",\"name\":\"Ofertă ")
          .append(i)
          .append(" ✓\"}");
    }
    return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shouldCompressWithZstdWhereItsNativeLibraryLoads() {
    // the server jar ships zstd's library for this platform: falling back here would be a defect
    assertThat(CompressedJson.available()).isEqualTo(Codec.ZSTD);
  }

  @ParameterizedTest
  @EnumSource(Codec.class)
  void shouldRoundTripAndRecogniseEachCodecByItsLeadingBytes(Codec codec) {
    byte[] json = document();
    byte[] stored = CompressedJson.compress(json, codec);

    assertThat(CompressedJson.codecOf(stored)).isEqualTo(codec);
    assertThat(stored.length).isLessThan(json.length / 3);
    assertThat(CompressedJson.decompress(stored)).isEqualTo(json);
  }

  @Test
  void shouldLendEachZstdContextToOneThreadAtATime() throws Exception {
    // more threads than the pool keeps, each compressing its own documents: a context used by two
    // threads at once, or returned mid-frame, corrupts frames or mixes documents
    int threads = 40;
    var failures = new java.util.concurrent.ConcurrentLinkedQueue<String>();
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (int t = 0; t < threads; t++) {
        int id = t;
        pool.submit(
            () -> {
              for (int i = 0; i < 200; i++) {
                byte[] json =
                    ("{\"thread\":"
                            + id
                            + ",\"i\":"
                            + i
                            + ",\"pad\":\""
                            + "x".repeat(id * 50)
                            + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
                if (!Arrays.equals(
                    CompressedJson.decompress(CompressedJson.compress(json)), json)) {
                  failures.add(id + "/" + i);
                }
              }
            });
      }
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void shouldReadADocumentFromWhicheverColumnHoldsIt() {
    byte[] json = document();
    assertThat(CompressedJson.read(CompressedJson.compress(json), null)).isEqualTo(json);
    assertThat(CompressedJson.read(null, new String(json, StandardCharsets.UTF_8))).isEqualTo(json);
    assertThatThrownBy(() -> CompressedJson.read(null, null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldRoundTripAnEmptyDocument() {
    for (Codec codec : Codec.values()) {
      assertThat(CompressedJson.decompress(CompressedJson.compress(new byte[0], codec))).isEmpty();
    }
  }

  @Test
  void shouldRefuseBytesInNeitherFormat() {
    byte[] plainJson = "{\"id\":1}".getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> CompressedJson.decompress(plainJson))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("neither");
    assertThatThrownBy(() -> CompressedJson.decompress(new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @EnumSource(Codec.class)
  void shouldRefuseATruncatedDocument(Codec codec) {
    byte[] stored = CompressedJson.compress(document(), codec);
    byte[] truncated = Arrays.copyOf(stored, stored.length / 2);

    assertThatThrownBy(() -> CompressedJson.decompress(truncated))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Corrupt");
  }

  @Test
  void shouldRefuseAZstdFrameWithoutItsSizeRatherThanGuessABuffer() {
    // a streaming zstd frame does not record its content size; this server never writes one
    byte[] json = document();
    byte[] frame;
    try (var out = new java.io.ByteArrayOutputStream();
        var z = new com.github.luben.zstd.ZstdOutputStream(out)) {
      z.write(json);
      z.close();
      frame = out.toByteArray();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertThat(Zstd.getFrameContentSize(frame)).isNegative();

    assertThatThrownBy(() -> CompressedJson.decompress(frame))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("content size");
  }
}
