package dev.arbiter.shared;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * One page of a cursor-paginated list, in the API's shape {@code {data, pagination: {nextCursor,
 * hasMore}}}. Cursors are opaque to clients: base64url of the last row's sort key.
 */
public record Page<T>(List<T> data, Pagination pagination) {

  /** {@code nextCursor} is null when {@code hasMore} is false. */
  public record Pagination(String nextCursor, boolean hasMore) {}

  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 500;

  /**
   * Builds a page from {@code rows} fetched with {@code limit + 1}: the extra row only tells that
   * more exist.
   */
  public static <T> Page<T> of(List<T> rows, int limit, Function<T, String> sortKey) {
    boolean more = rows.size() > limit;
    List<T> data = more ? List.copyOf(rows.subList(0, limit)) : List.copyOf(rows);
    String next = more ? encode(sortKey.apply(data.get(data.size() - 1))) : null;
    return new Page<>(data, new Pagination(next, more));
  }

  /**
   * One page of a list held in memory, in the order of {@code sortKey} (which {@code sorted} must
   * be in, keys unique): at most {@code limit} items after the {@code cursor}'s.
   *
   * @throws ApiException 422 for a bad limit or cursor, as {@link #limit} and {@link #after}
   */
  public static <T> Page<T> slice(
      List<T> sorted, Function<T, String> sortKey, Integer limit, String cursor) {
    int n = limit(limit);
    String after = after(cursor);
    List<T> rows = new java.util.ArrayList<>(Math.min(sorted.size(), n + 1));
    for (T item : sorted) {
      if (after == null || sortKey.apply(item).compareTo(after) > 0) {
        rows.add(item);
        if (rows.size() > n) {
          break;
        }
      }
    }
    return of(rows, n, sortKey);
  }

  public <R> Page<R> map(Function<T, R> f) {
    return new Page<>(data.stream().map(f).toList(), pagination);
  }

  /** Checks a client's {@code limit}; null means the default. */
  public static int limit(Integer requested) {
    if (requested == null) {
      return DEFAULT_LIMIT;
    }
    if (requested < 1 || requested > MAX_LIMIT) {
      throw ApiException.validation("limit", "must be between 1 and " + MAX_LIMIT);
    }
    return requested;
  }

  /** Decodes a client's cursor; null or blank means from the start. */
  public static String after(String cursor) {
    if (cursor == null || cursor.isBlank()) {
      return null;
    }
    try {
      return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ApiException.validation("cursor", "is not a cursor this API returned");
    }
  }

  /** The cursor of a row whose sort key is {@code key}, as {@link #of} makes it. */
  public static String cursorOf(String key) {
    return encode(key);
  }

  static String encode(String key) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(key.getBytes(StandardCharsets.UTF_8));
  }
}
