package dev.arbiter.scoring;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Headers sent to {@code external} models' services ({@code ARBITER_EXTERNAL_MODEL_HEADERS}): a
 * JSON object from URL prefix to headers, {@code {"https://scoring.internal/v1": {"Authorization":
 * "Bearer …"}}}. A model's call gets the headers of the longest prefix that allows its URL (as
 * {@link ExternalModelUrls} allows one). Credentials live here, in the environment, and never in
 * the catalog, which viewers read, exports copy and the audit log keeps. Immutable.
 */
public final class ExternalModelHeaders {
  /** No headers for any URL. */
  public static final ExternalModelHeaders NONE = new ExternalModelHeaders(List.of());

  /** Headers the HTTP client sets itself, or that would change what the call is. */
  private static final Set<String> RESERVED =
      Set.of(
          "host",
          "content-length",
          "content-type",
          "accept",
          "connection",
          "expect",
          "upgrade",
          "transfer-encoding",
          "te",
          "trailer",
          "keep-alive",
          "proxy-connection");

  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  private record Entry(ExternalModelUrls prefix, int length, Map<String, String> headers) {}

  private final List<Entry> entries;

  private ExternalModelHeaders(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /**
   * Parses the variable's JSON; blank means none.
   *
   * @param allowed {@code ARBITER_EXTERNAL_MODEL_URLS}: a prefix must lie within one of them (a
   *     header for a URL no model may call would never be sent)
   * @throws IllegalArgumentException naming what is wrong, never a header's value
   */
  public static ExternalModelHeaders parse(String json, ExternalModelUrls allowed) {
    if (json == null || json.isBlank()) {
      return NONE;
    }
    JsonNode root;
    try {
      root = JsonMapper.builder().build().readTree(json);
    } catch (JacksonException e) {
      // the parser's message may quote the text: say where, not what
      throw new IllegalArgumentException(
          "is not a JSON object (from URL prefix to {header: value}); it does not parse");
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(
          "must be a JSON object from URL prefix to {header: value}");
    }
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      String url = e.getKey();
      ExternalModelUrls prefix = ExternalModelUrls.parse(url);
      URI uri = URI.create(url.trim());
      // the prefix as the list writes it, with or without its closing slash
      if (!allowed.allows(uri) && !allowed.allows(URI.create(url.trim() + "/"))) {
        throw new IllegalArgumentException(
            "'" + url + "' is not within a prefix of ARBITER_EXTERNAL_MODEL_URLS " + allowed);
      }
      if (!e.getValue().isObject() || e.getValue().isEmpty()) {
        throw new IllegalArgumentException(
            "'" + url + "' must map to an object of at least one header: value");
      }
      Map<String, String> headers = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> h : e.getValue().properties()) {
        String name = h.getKey();
        if (!TOKEN.matcher(name).matches()) {
          throw new IllegalArgumentException("'" + name + "' is not a header name");
        }
        if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
          throw new IllegalArgumentException(
              "header '" + name + "' is set by Arbiter's HTTP client and cannot be configured");
        }
        JsonNode value = h.getValue();
        if (!value.isString()
            || value.asString().isEmpty()
            || value.asString().chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
          throw new IllegalArgumentException(
              "the value of header '"
                  + name
                  + "' for '"
                  + url
                  + "' must be a non-empty string without control characters");
        }
        headers.put(name, value.asString());
      }
      entries.add(new Entry(prefix, uri.getPath() == null ? 0 : uri.getPath().length(), headers));
    }
    entries.sort(Comparator.comparingInt(Entry::length).reversed());
    return new ExternalModelHeaders(entries);
  }

  /** The headers of the longest prefix that allows {@code url}; empty when none does. */
  public Map<String, String> headersFor(URI url) {
    for (Entry e : entries) {
      if (e.prefix().allows(url)) {
        return e.headers();
      }
    }
    return Map.of();
  }

  /** How many prefixes have headers (the values are never shown). */
  public int size() {
    return entries.size();
  }
}
