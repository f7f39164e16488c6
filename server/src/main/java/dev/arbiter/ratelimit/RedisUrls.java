package dev.arbiter.ratelimit;

import io.lettuce.core.RedisURI;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * Reads a {@code REDIS_URL}: {@code redis://host:port}, {@code redis://:password@host:port/db},
 * {@code redis://user:password@host} (Redis 6 ACL user) and {@code rediss://…} for TLS. Port
 * defaults to 6379 and database to 0. Problems are returned, not thrown, and never echo the
 * password.
 */
public final class RedisUrls {
  private RedisUrls() {}

  /**
   * The outcome of reading a URL: a {@link RedisURI} or the reasons there is none.
   *
   * @param uri the connection settings; null when {@code problems} is not empty
   * @param problems what is wrong, each a sentence for the operator; empty when valid
   */
  public record Result(RedisURI uri, List<String> problems) {
    public Result {
      problems = List.copyOf(problems);
    }

    public boolean valid() {
      return problems.isEmpty();
    }
  }

  /**
   * Reads {@code url}.
   *
   * @param url the configured value; null or blank is a problem (unset is the caller's concern)
   * @return the URI, or the problems with {@code url}
   */
  public static Result parse(String url) {
    if (url == null || url.isBlank()) {
      return invalid("Expected a Redis URL such as redis://host:6379, but it is empty");
    }
    URI parsed;
    try {
      parsed = new URI(url.trim());
    } catch (URISyntaxException e) {
      return invalid(
          "Expected a Redis URL such as redis://:password@host:6379/0, but '"
              + redact(url)
              + "' is not a URL ("
              + e.getReason()
              + ")");
    }
    String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("redis") && !scheme.equals("rediss")) {
      return invalid(
          "Expected a redis:// or rediss:// (TLS) URL, but '" + redact(url) + "' is not one");
    }
    if (parsed.getHost() == null || parsed.getHost().isBlank()) {
      return invalid(
          "Expected a host in the Redis URL (redis://host:6379), but '"
              + redact(url)
              + "' has none"
              + (parsed.getRawAuthority() != null ? " or its port is not a number" : ""));
    }
    int port = parsed.getPort() == -1 ? RedisURI.DEFAULT_REDIS_PORT : parsed.getPort();
    if (port < 1 || port > 65535) {
      return invalid("Expected a Redis port from 1 to 65535, but got " + port);
    }
    int database = 0;
    String path = parsed.getPath() == null ? "" : parsed.getPath();
    if (!path.isEmpty() && !path.equals("/")) {
      String db = path.substring(1);
      try {
        database = Integer.parseInt(db);
      } catch (NumberFormatException e) {
        database = -1;
      }
      if (database < 0) {
        return invalid(
            "Expected the Redis URL path to be a database number such as /0, but it is '"
                + path
                + "'");
      }
    }
    if (parsed.getRawQuery() != null || parsed.getRawFragment() != null) {
      return invalid(
          "Expected a Redis URL without query or fragment (redis://:password@host:6379/0), but '"
              + redact(url)
              + "' has one");
    }
    RedisURI.Builder builder =
        RedisURI.builder()
            .withHost(parsed.getHost())
            .withPort(port)
            .withDatabase(database)
            .withSsl(scheme.equals("rediss"));
    String userInfo = parsed.getUserInfo();
    if (userInfo != null && !userInfo.isEmpty()) {
      int colon = userInfo.indexOf(':');
      String user = colon < 0 ? null : userInfo.substring(0, colon);
      String password = colon < 0 ? userInfo : userInfo.substring(colon + 1);
      if (user == null || user.isEmpty()) {
        builder.withPassword(password.toCharArray());
      } else {
        builder.withAuthentication(user, password.toCharArray());
      }
    }
    return new Result(builder.build(), List.of());
  }

  private static Result invalid(String problem) {
    return new Result(null, List.of(problem));
  }

  /** The URL with any password replaced, for messages. */
  static String redact(String url) {
    // Everything up to the last '@' may be credentials, even when malformed ones contain '/' or
    // '@'.
    int at = url.lastIndexOf('@');
    int start = url.indexOf("://");
    return at < 0
        ? url
        : (start < 0 || start > at ? "" : url.substring(0, start + 3)) + "***" + url.substring(at);
  }
}
