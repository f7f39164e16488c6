package dev.arbiter.db;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON documents compressed by the server before they are stored, for documents written often and
 * read rarely: decision traces and outbox events. Compression is zstd at level 1 when zstd's native
 * library loads on this machine (it ships in the server jar for Linux, macOS and Windows), else
 * gzip at level 1 from the JDK. Either format is recognised by its first bytes, so a node reads
 * what any node wrote, except that a node without zstd cannot read zstd documents (it says so). On
 * a 35 KB trace of a 100-offer flow, zstd took 50 µs to 3.5 KB and gzip 105 µs to 4.4 KB; on a 1.6
 * KB decision event zstd took 5 µs to 0.7 KB with a reused context and 8.5 µs with a new one (see
 * bench/RESULTS.md). PostgreSQL's own jsonb storage of the trace cost 560 µs of database CPU.
 * Thread-safe.
 */
public final class CompressedJson {
  private static final Logger log = LoggerFactory.getLogger(CompressedJson.class);

  /** Larger than any trace this server writes; a frame claiming more is corrupt. */
  static final int MAX_SIZE = 64 * 1024 * 1024;

  /** The codecs, by the leading bytes of what they write. */
  enum Codec {
    /** zstd frame: magic number 0xFD2FB528, little-endian. */
    ZSTD,
    /** gzip member: 0x1F 0x8B. */
    GZIP
  }

  private static final Codec AVAILABLE = zstdLoads() ? Codec.ZSTD : Codec.GZIP;

  /**
   * Idle zstd contexts. Creating one per document cost more than compressing a small event with it;
   * a thread-local would leak one per virtual thread, so contexts are lent from a pool: taken,
   * used, returned. A context beyond the pool's size is closed instead.
   */
  private static final ArrayBlockingQueue<ZstdCompressCtx> CONTEXTS = new ArrayBlockingQueue<>(16);

  private CompressedJson() {}

  /** The codec {@link #compress(byte[])} uses on this machine. */
  public static Codec available() {
    return AVAILABLE;
  }

  /** {@code json} compressed with the {@link #available()} codec. */
  public static byte[] compress(byte[] json) {
    return compress(json, AVAILABLE);
  }

  static byte[] compress(byte[] json, Codec codec) {
    return switch (codec) {
      case ZSTD -> zstd(json);
      case GZIP -> gzip(json);
    };
  }

  /**
   * The JSON bytes of a stored document, in either format.
   *
   * @throws IllegalArgumentException when {@code stored} is in neither format or is corrupt
   */
  public static byte[] decompress(byte[] stored) {
    return switch (codecOf(stored)) {
      case ZSTD -> unzstd(stored);
      case GZIP -> gunzip(stored);
    };
  }

  /**
   * The JSON of a stored document, from whichever of its two columns holds it: the compressed
   * bytes, or the text of a {@code jsonb} column (rows written before compression, or with {@code
   * ARBITER_DOCUMENT_STORAGE=jsonb}).
   *
   * @throws IllegalArgumentException when the compressed bytes are in neither format or corrupt
   */
  public static byte[] read(byte[] compressed, String jsonb) {
    if (compressed != null) {
      return decompress(compressed);
    }
    if (jsonb == null) {
      throw new IllegalArgumentException("The stored document has neither form");
    }
    return jsonb.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  static Codec codecOf(byte[] stored) {
    if (stored.length >= 4
        && (stored[0] & 0xFF) == 0x28
        && (stored[1] & 0xFF) == 0xB5
        && (stored[2] & 0xFF) == 0x2F
        && (stored[3] & 0xFF) == 0xFD) {
      return Codec.ZSTD;
    }
    if (stored.length >= 2 && (stored[0] & 0xFF) == 0x1F && (stored[1] & 0xFF) == 0x8B) {
      return Codec.GZIP;
    }
    throw new IllegalArgumentException(
        "Expected a zstd frame or a gzip member, but the stored document starts with neither ("
            + stored.length
            + " bytes)");
  }

  private static byte[] zstd(byte[] json) {
    ZstdCompressCtx ctx = CONTEXTS.poll();
    if (ctx == null) {
      ctx = new ZstdCompressCtx();
      ctx.setLevel(1);
      ctx.setContentSize(true); // unzstd sizes its buffer from it
    }
    try {
      return ctx.compress(json);
    } finally {
      if (!CONTEXTS.offer(ctx)) {
        ctx.close();
      }
    }
  }

  private static byte[] unzstd(byte[] stored) {
    if (AVAILABLE != Codec.ZSTD) {
      throw new IllegalStateException(
          "The document is zstd-compressed, and zstd's native library does not load on this node;"
              + " read it on a node where it does");
    }
    long size = Zstd.getFrameContentSize(stored);
    if (size < 0 || size > MAX_SIZE) {
      // what compress() writes always records its size
      throw new IllegalArgumentException(
          "Expected a zstd frame that records a content size of at most "
              + MAX_SIZE
              + " bytes, but it records "
              + size);
    }
    try {
      return Zstd.decompress(stored, (int) size);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("Corrupt zstd frame: " + e.getMessage(), e);
    }
  }

  private static byte[] gzip(byte[] json) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(json.length / 4 + 64);
    try (GZIPOutputStream z =
        new GZIPOutputStream(out, 8192) {
          {
            def.setLevel(Deflater.BEST_SPEED);
          }
        }) {
      z.write(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
    }
    return out.toByteArray();
  }

  private static byte[] gunzip(byte[] stored) {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(stored), 8192)) {
      byte[] json = in.readNBytes(MAX_SIZE + 1);
      if (json.length > MAX_SIZE) {
        throw new IllegalArgumentException(
            "Expected a gzip member of at most " + MAX_SIZE + " bytes uncompressed");
      }
      return json;
    } catch (IOException e) {
      throw new IllegalArgumentException("Corrupt gzip member: " + e.getMessage(), e);
    }
  }

  /** Whether zstd's native library loads here (the JVM may forbid it, or the platform lack it). */
  private static boolean zstdLoads() {
    try {
      byte[] probe = {'{', '}'};
      return java.util.Arrays.equals(Zstd.decompress(Zstd.compress(probe, 1), probe.length), probe);
    } catch (LinkageError | RuntimeException e) {
      log.warn(
          "zstd's native library did not load ({}); traces and events are stored gzip-compressed",
          e.toString());
      return false;
    }
  }
}
