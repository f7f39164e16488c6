package dev.arbiter.web;

import dev.arbiter.shared.ApiException;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Refuses request bodies larger than the configured limit with 413 {@code PAYLOAD_TOO_LARGE}, so
 * that no caller (a channel's {@code decision} key included) can exhaust the heap with one request.
 * A body whose declared length is over the limit is refused before it is read, and before
 * authentication; a body of undeclared length (chunked) is read through a counter that fails the
 * request once it passes the limit. A request within its declared length costs one comparison.
 * Catalog imports have a limit of their own ({@code ARBITER_MAX_CATALOG_BYTES}). A plain filter
 * (registered for request dispatches only): every request passes it, so it keeps no per-request
 * bookkeeping of its own.
 */
public final class RequestSizeFilter implements Filter {
  static final String CATALOG_IMPORT = "/api/v1/catalog/import";

  private final long maxBytes;
  private final long maxCatalogBytes;
  private final ProblemWriter problems;

  /**
   * @param maxBytes the largest body of any request but a catalog import
   * @param maxCatalogBytes the largest body of a catalog import
   */
  public RequestSizeFilter(long maxBytes, long maxCatalogBytes, ProblemWriter problems) {
    this.maxBytes = maxBytes;
    this.maxCatalogBytes = maxCatalogBytes;
    this.problems = problems;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws ServletException, IOException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    boolean catalog = request.getRequestURI().startsWith(CATALOG_IMPORT);
    long limit = catalog ? maxCatalogBytes : maxBytes;
    long declared = request.getContentLengthLong();
    if (declared > limit) {
      // the body is not read: the connection ends with the answer
      response.setHeader("Connection", "close");
      ApiException e = tooLarge(catalog, "The body is " + declared + " bytes", limit);
      problems.write(
          response,
          problems.problem(
              request, e.status(), e.code(), e.title(), e.getMessage(), e.errors(), null));
      return;
    }
    if (declared < 0 && request.getHeader("Transfer-Encoding") != null) {
      chain.doFilter(new Limited(request, limit, catalog), response);
      return;
    }
    chain.doFilter(request, response);
  }

  /** 413 {@code PAYLOAD_TOO_LARGE}, naming the limit and the setting that raises it. */
  static ApiException tooLarge(boolean catalog, String what, long limit) {
    return new ApiException(
        413,
        "PAYLOAD_TOO_LARGE",
        "Payload too large",
        what
            + "; at most "
            + limit
            + " bytes are accepted here ("
            + (catalog ? "ARBITER_MAX_CATALOG_BYTES" : "ARBITER_MAX_REQUEST_BYTES")
            + ")");
  }

  /** A request whose body is counted as it is read, and refused past the limit. */
  private static final class Limited extends HttpServletRequestWrapper {
    private final long limit;
    private final boolean catalog;
    private ServletInputStream counted;

    Limited(HttpServletRequest request, long limit, boolean catalog) {
      super(request);
      this.limit = limit;
      this.catalog = catalog;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (counted == null) {
        counted = new Counted(super.getInputStream());
      }
      return counted;
    }

    @Override
    public BufferedReader getReader() throws IOException {
      String encoding = getCharacterEncoding();
      Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
      return new BufferedReader(new InputStreamReader(getInputStream(), charset));
    }

    private final class Counted extends ServletInputStream {
      private final ServletInputStream in;
      private long read;

      Counted(ServletInputStream in) {
        this.in = in;
      }

      private int count(int n) {
        if (n > 0) {
          read += n;
          if (read > limit) {
            throw tooLarge(catalog, "The body is more than " + limit + " bytes", limit);
          }
        }
        return n;
      }

      @Override
      public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
          count(1);
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return count(in.read(b, off, len));
      }

      @Override
      public boolean isFinished() {
        return in.isFinished();
      }

      @Override
      public boolean isReady() {
        return in.isReady();
      }

      @Override
      public void setReadListener(ReadListener listener) {
        in.setReadListener(listener);
      }
    }
  }
}
