package dev.arbiter.security;

import dev.arbiter.config.ArbiterConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Resolves the API key pepper: {@code API_KEY_PEPPER} when set; otherwise (embedded mode only, the
 * loader refuses an external database without it) a random pepper generated once and kept in {@code
 * <dataDir>/api-key-pepper}, readable by the owner only.
 */
public final class Pepper {
  private Pepper() {}

  public static byte[] resolve(ArbiterConfig config) {
    if (config.apiKeyPepper().isPresent()) {
      return config.apiKeyPepper().get().getBytes(StandardCharsets.UTF_8);
    }
    Path file = config.dataDir().resolve("api-key-pepper");
    try {
      if (Files.isRegularFile(file)) {
        return Files.readString(file).trim().getBytes(StandardCharsets.UTF_8);
      }
      Files.createDirectories(config.dataDir());
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String encoded = Base64.getEncoder().encodeToString(random);
      Path tmp = Files.createTempFile(config.dataDir(), "pepper", ".tmp");
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system: the data directory's own permissions apply.
      }
      Files.writeString(tmp, encoded, StandardOpenOption.TRUNCATE_EXISTING);
      try {
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        Files.deleteIfExists(tmp);
        if (!Files.isRegularFile(file)) {
          throw e;
        }
      }
      return Files.readString(file).trim().getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read or create the API key pepper " + file, e);
    }
  }
}
