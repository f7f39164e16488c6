package dev.arbiter.db;

import dev.arbiter.config.ArbiterConfig.DatabaseTarget;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Turns {@code DATABASE_URL} into a JDBC target. Accepts {@code postgresql://user:pass@host:port/db
 * ?sslmode=require} (also {@code postgres://}) and {@code jdbc:postgresql://…} forms.
 */
public final class DatabaseUrls {
  private DatabaseUrls() {}

  /**
   * @throws IllegalArgumentException with a message an operator can act on
   */
  public static DatabaseTarget parse(String url) {
    if (url.startsWith("jdbc:postgresql:")) {
      return new DatabaseTarget(url, null, null);
    }
    if (!url.startsWith("postgresql://") && !url.startsWith("postgres://")) {
      throw new IllegalArgumentException(
          "must be postgresql://user:pass@host:5432/db or jdbc:postgresql://host:5432/db");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a valid URL (" + e.getReason() + ")");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("has no host");
    }
    String path = uri.getRawPath();
    if (path == null || path.length() <= 1) {
      throw new IllegalArgumentException("names no database (…/dbname)");
    }
    String user = null;
    String password = null;
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = decode(parts[0]);
      password = parts.length > 1 ? decode(parts[1]) : null;
    }
    int port = uri.getPort() == -1 ? 5432 : uri.getPort();
    StringBuilder jdbc =
        new StringBuilder("jdbc:postgresql://")
            .append(uri.getHost())
            .append(':')
            .append(port)
            .append(path);
    if (uri.getRawQuery() != null) {
      jdbc.append('?').append(uri.getRawQuery());
    }
    return new DatabaseTarget(jdbc.toString(), user, password);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
