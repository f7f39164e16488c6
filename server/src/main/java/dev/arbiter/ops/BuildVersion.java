package dev.arbiter.ops;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version this build was made from, read from {@code META-INF/build-info.properties}. */
public record BuildVersion(String version) {
  public static BuildVersion load() {
    Properties p = new Properties();
    try (InputStream in =
        BuildVersion.class.getResourceAsStream("/META-INF/build-info.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // fall through to "unknown"
    }
    return new BuildVersion(p.getProperty("build.version", "unknown"));
  }
}
