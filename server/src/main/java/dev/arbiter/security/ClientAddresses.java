package dev.arbiter.security;

import jakarta.servlet.http.HttpServletRequest;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.util.NetMask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The address of the client behind a request: the connection's peer, unless that peer is one of the
 * trusted reverse proxies ({@code ARBITER_TRUSTED_PROXIES}), in which case {@code X-Forwarded-For}
 * is read from its right end (what the nearest proxy appended) leftwards, past every trusted proxy,
 * to the first address that is not one. Entries a client wrote itself lie further left and are
 * never reached unless every hop after them is a trusted proxy, so a client cannot choose the
 * address it is counted under. Without trusted proxies the header is ignored.
 *
 * <p>Only IP literals are parsed (never a name, which would cost a DNS lookup per request); a hop
 * that is not an address leaves the client unknown (see {@link #of}). Thread-safe.
 */
public final class ClientAddresses {
  private static final String FORWARDED_FOR = "X-Forwarded-For";

  private static final Logger log = LoggerFactory.getLogger(ClientAddresses.class);

  private final List<NetMask> trusted;
  private final AtomicBoolean warnedUntrustedForwarding = new AtomicBoolean();

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

  /**
   * The key the client is counted under, or null when it cannot be told (every hop a trusted proxy,
   * or a hop that is not an address): an IPv4 client by its address, an IPv6 one by its /64 (a host
   * usually has the whole /64, so counting per address would give it 2^64 buckets), each in one
   * spelling ({@code ::ffff:1.2.3.4} is {@code 1.2.3.4}). Ports and brackets that proxies write
   * ({@code 1.2.3.4:5678}, {@code [2001:db8::1]:443}) are dropped.
   */
  public String of(HttpServletRequest request) {
    String peer = request.getRemoteAddr();
    InetAddress peerAddress = parse(withoutZone(peer));
    if (peerAddress == null) {
      return peer; // not what Tomcat gives; counted as it is
    }
    if (trusted.isEmpty() || !isTrusted(peerAddress)) {
      if (trusted.isEmpty() && request.getHeader(FORWARDED_FOR) != null) {
        warnUntrustedForwarding(peer);
      }
      return key(peerAddress);
    }
    Enumeration<String> headers = request.getHeaders(FORWARDED_FOR);
    if (headers == null || !headers.hasMoreElements()) {
      return null; // a trusted proxy that does not say whom it forwards
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
    for (int i = hops.size() - 1; i >= 0; i--) {
      InetAddress address = parse(withoutPort(hops.get(i)));
      if (address == null) {
        return null; // not an address: whoever sent it cannot be told
      }
      if (!isTrusted(address)) {
        return key(address);
      }
    }
    return null; // every hop is a trusted proxy
  }

  /** The counting key of an address: IPv4 as is, IPv6 by its /64. */
  static String key(InetAddress address) {
    if (address instanceof Inet6Address) {
      byte[] b = address.getAddress();
      StringBuilder sb = new StringBuilder(26);
      for (int i = 0; i < 8; i += 2) {
        sb.append(Integer.toHexString((b[i] & 0xff) << 8 | (b[i + 1] & 0xff))).append(':');
      }
      return sb.append(":/64").toString();
    }
    return address.getHostAddress();
  }

  /** {@code 1.2.3.4:5678} → {@code 1.2.3.4}; {@code [::1]:443} and {@code [::1]} → {@code ::1}. */
  static String withoutPort(String hop) {
    if (hop.startsWith("[")) {
      int close = hop.indexOf(']');
      return close > 0 ? hop.substring(1, close) : hop;
    }
    int colon = hop.indexOf(':');
    if (colon > 0 && colon == hop.lastIndexOf(':')) {
      return hop.substring(0, colon); // one colon: IPv4 with a port (IPv6 has at least two)
    }
    return hop;
  }

  /** A link-local peer comes with its zone ({@code fe80::1%eth0}); the address is before it. */
  private static String withoutZone(String address) {
    int percent = address.indexOf('%');
    return percent < 0 ? address : address.substring(0, percent);
  }

  private void warnUntrustedForwarding(String peer) {
    if (warnedUntrustedForwarding.compareAndSet(false, true)) {
      log.warn(
          "A request from {} carries X-Forwarded-For, but ARBITER_TRUSTED_PROXIES is unset: the"
              + " header is ignored, and if {} is a proxy, every client behind it shares one limit"
              + " of failed authentications (logged once)",
          peer,
          peer);
    }
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
