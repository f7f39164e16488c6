package dev.arbiter.scoring;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where {@code external} models may send requests ({@code ARBITER_EXTERNAL_MODEL_URLS}): a list of
 * URL prefixes, each an absolute {@code http} or {@code https} URL. A model's URL is allowed when
 * one prefix has its scheme, host and port and a path its path starts with at a segment boundary
 * ({@code http://scoring.internal/v1} allows {@code http://scoring.internal/v1/score}, not {@code
 * http://scoring.internal/v10} nor {@code http://scoring.internal.example.com/v1}). Empty (the
 * default) allows none: anyone who may edit a tenant's models could otherwise make the server call
 * any address it reaches (its own admin ports, a cloud metadata service). Immutable.
 */
public final class ExternalModelUrls {
  /** Allows no URL. */
  public static final ExternalModelUrls NONE = new ExternalModelUrls(List.of());

  private record Prefix(String scheme, String host, int port, String path) {}

  private final List<Prefix> prefixes;
  private final String text;

  private ExternalModelUrls(List<Prefix> prefixes) {
    this.prefixes = List.copyOf(prefixes);
    this.text =
        prefixes.stream()
            .map(p -> p.scheme() + "://" + p.host() + ":" + p.port() + p.path())
            .toList()
            .toString();
  }

  /**
   * Parses a comma-separated list of prefixes; blank means none.
   *
   * @throws IllegalArgumentException naming the first entry that is not an absolute http(s) URL
   *     with a host, or holds credentials, a query or a fragment
   */
  public static ExternalModelUrls parse(String list) {
    if (list == null || list.isBlank()) {
      return NONE;
    }
    List<Prefix> prefixes = new ArrayList<>();
    for (String entry : list.split(",")) {
      String trimmed = entry.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      URI uri;
      try {
        uri = new URI(trimmed);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("'" + trimmed + "' is not a URL: " + e.getMessage());
      }
      Prefix prefix = prefixOf(uri);
      if (prefix == null
          || uri.getRawUserInfo() != null
          || uri.getRawQuery() != null
          || uri.getRawFragment() != null) {
        throw new IllegalArgumentException(
            "'"
                + trimmed
                + "' is not an absolute http or https URL with a host and without credentials,"
                + " query or fragment");
      }
      prefixes.add(prefix);
    }
    return new ExternalModelUrls(prefixes);
  }

  /**
   * Whether a model may call {@code url}. A path with dot segments, or with what servers may read
   * as a separator or a dot once decoded ({@code %2e}, {@code %2f}, {@code %5c}, {@code ;}, {@code
   * \}), is never allowed: it could be read as a path outside the prefix's.
   */
  public boolean allows(URI url) {
    Prefix target = prefixOf(url);
    if (target == null || url.getRawUserInfo() != null) { // an ambiguous path has no target
      return false;
    }
    for (Prefix p : prefixes) {
      if (p.scheme().equals(target.scheme())
          && p.host().equals(target.host())
          && p.port() == target.port()
          && underPath(target.path(), p.path())) {
        return true;
      }
    }
    return false;
  }

  /** Whether no URL is allowed. */
  public boolean isEmpty() {
    return prefixes.isEmpty();
  }

  private static boolean ambiguous(String rawPath) {
    if (rawPath == null) {
      return false;
    }
    String p = rawPath.toLowerCase(Locale.ROOT);
    if (p.contains("%2e")
        || p.contains("%2f")
        || p.contains("%5c")
        || p.contains(";")
        || p.contains("\\")) {
      return true;
    }
    for (String segment : p.split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        return true;
      }
    }
    return false;
  }

  private static boolean underPath(String path, String prefix) {
    return prefix.endsWith("/")
        ? path.startsWith(prefix)
        : path.equals(prefix) || path.startsWith(prefix + "/");
  }

  private static Prefix prefixOf(URI uri) {
    if (!uri.isAbsolute() || uri.getHost() == null) {
      return null;
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    int port = uri.getPort();
    if (scheme.equals("http")) {
      port = port < 0 ? 80 : port;
    } else if (scheme.equals("https")) {
      port = port < 0 ? 443 : port;
    } else {
      return null;
    }
    String path = uri.getRawPath();
    if (path == null || path.isEmpty()) {
      path = "/";
    }
    if (ambiguous(path)) {
      return null;
    }
    return new Prefix(scheme, uri.getHost().toLowerCase(Locale.ROOT), port, path);
  }

  /** The prefixes, each as scheme://host:port/path. */
  @Override
  public String toString() {
    return text;
  }
}
