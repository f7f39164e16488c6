package dev.arbiter.security;

import jakarta.servlet.http.HttpServletRequest;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import org.apache.catalina.util.NetMask;

/**
 * The address of the client behind a request: the connection's peer, unless that peer is one of the
 * trusted reverse proxies ({@code ARBITER_TRUSTED_PROXIES}), in which case {@code X-Forwarded-For}
 * is read from its right end (what the nearest proxy appended) leftwards, past every trusted proxy,
 * to the first address that is not one. Entries a client wrote itself lie further left and are
 * never reached unless every hop after them is a trusted proxy, so a client cannot choose the
 * address it is counted under. Without trusted proxies the header is ignored.
 *
 * <p>Only IP literals are parsed (never a name, which would cost a DNS lookup per request); a
 * malformed entry ends the walk at the last trusted hop. Thread-safe.
 */
public final class ClientAddresses {
  private static final String FORWARDED_FOR = "X-Forwarded-For";

  private final List<NetMask> trusted;

  /**
   * @param trustedProxies addresses ({@code 10.0.0.7}, {@code ::1}) and CIDR blocks ({@code
   *     10.0.0.0/8}, {@code fd00::/8}), each valid by {@link #checkProxy}
   * @throws IllegalArgumentException for an entry that is neither
   */
  public ClientAddresses(List<String> trustedProxies) {
    List<NetMask> masks = new ArrayList<>(trustedProxies.size());
    for (String proxy : trustedProxies) {
      masks.add(mask(proxy));
    }
    this.trusted = List.copyOf(masks);
  }

  /**
   * {@code proxy} itself when it is an IP address or CIDR block.
   *
   * @throws IllegalArgumentException saying what is wrong with it
   */
  public static String checkProxy(String proxy) {
    mask(proxy);
    return proxy;
  }

  private static NetMask mask(String proxy) {
    String address = proxy.contains("/") ? proxy.substring(0, proxy.indexOf('/')) : proxy;
    if (parse(address) == null) {
      throw new IllegalArgumentException(
          "'" + proxy + "' is not an IP address or CIDR block (e.g. 10.0.0.0/8 or ::1)");
    }
    try {
      return new NetMask(proxy);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "'" + proxy + "' is not an IP address or CIDR block: " + e.getMessage(), e);
    }
  }

  /** Whether any proxy is trusted (otherwise {@code X-Forwarded-For} is never read). */
  public boolean trustsProxies() {
    return !trusted.isEmpty();
  }

  /** The client's address, as text (the peer's own form, or the forwarded entry as sent). */
  public String of(HttpServletRequest request) {
    String peer = request.getRemoteAddr();
    if (trusted.isEmpty() || !isTrusted(peer)) {
      return peer;
    }
    Enumeration<String> headers = request.getHeaders(FORWARDED_FOR);
    if (headers == null || !headers.hasMoreElements()) {
      return peer;
    }
    List<String> hops = new ArrayList<>();
    for (String header : Collections.list(headers)) {
      for (String hop : header.split(",")) {
        String trimmed = hop.trim();
        if (!trimmed.isEmpty()) {
          hops.add(trimmed);
        }
      }
    }
    String client = peer;
    for (int i = hops.size() - 1; i >= 0; i--) {
      String hop = hops.get(i);
      InetAddress address = parse(hop);
      if (address == null) {
        return client; // not an address: the last hop a trusted proxy vouched for
      }
      client = hop;
      if (!isTrusted(address)) {
        return hop;
      }
    }
    return client; // every hop is a trusted proxy: the leftmost is as far as anyone can tell
  }

  private boolean isTrusted(String address) {
    InetAddress parsed = parse(address);
    return parsed != null && isTrusted(parsed);
  }

  private boolean isTrusted(InetAddress parsed) {
    for (NetMask mask : trusted) {
      if (mask.matches(parsed)) {
        return true;
      }
    }
    return false;
  }

  private static InetAddress parse(String address) {
    if (!isIpLiteral(address)) {
      return null;
    }
    try {
      // an IP literal is parsed, never looked up; brackets make an IPv6 one that does not parse
      // fail rather than be taken for a name
      return InetAddress.getByName(address.indexOf(':') >= 0 ? "[" + address + "]" : address);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /**
   * Whether {@code s} can only be an IPv4 or IPv6 literal (digits, hex letters, dots and colons),
   * so that {@link InetAddress#getByName} parses it rather than asking DNS.
   */
  static boolean isIpLiteral(String s) {
    if (s.isEmpty() || s.length() > 45) {
      return false;
    }
    boolean colon = false;
    boolean dot = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == ':') {
        colon = true;
      } else if (c == '.') {
        dot = true;
      } else if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
        return false;
      }
    }
    if (colon) {
      return true;
    }
    // IPv4: four decimal parts (a name of hex letters and dots, such as "cafe.be", is not one)
    if (!dot) {
      return false;
    }
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String part : parts) {
      if (part.isEmpty()
          || part.length() > 3
          || !part.chars().allMatch(c -> c >= '0' && c <= '9')
          || Integer.parseInt(part) > 255) {
        return false;
      }
    }
    return true;
  }
}
