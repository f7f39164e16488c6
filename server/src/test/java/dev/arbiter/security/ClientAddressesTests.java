package dev.arbiter.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

class ClientAddressesTests {
  private static final ClientAddresses BEHIND_PROXIES =
      new ClientAddresses(List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8"));

  private static MockHttpServletRequest from(String peer, String... forwardedFor) {
    MockHttpServletRequest request = new MockHttpServletRequest();
    request.setRemoteAddr(peer);
    for (String header : forwardedFor) {
      request.addHeader("X-Forwarded-For", header);
    }
    return request;
  }

  @Test
  void shouldTakeThePeerWhenNoProxyIsTrusted() {
    ClientAddresses none = new ClientAddresses(List.of());
    assertThat(none.trustsProxies()).isFalse();
    assertThat(none.of(from("10.1.2.3", "203.0.113.5"))).isEqualTo("10.1.2.3");
  }

  @Test
  void shouldIgnoreForwardedForFromAPeerThatIsNotATrustedProxy() {
    assertThat(BEHIND_PROXIES.of(from("198.51.100.4", "203.0.113.5"))).isEqualTo("198.51.100.4");
    assertThat(BEHIND_PROXIES.of(from("192.168.1.8", "203.0.113.5"))).isEqualTo("192.168.1.8");
  }

  @Test
  void shouldWalkForwardedForFromTheRightPastTrustedProxies() {
    assertThat(BEHIND_PROXIES.of(from("10.0.0.1", "203.0.113.5"))).isEqualTo("203.0.113.5");
    assertThat(BEHIND_PROXIES.of(from("10.0.0.1", "203.0.113.5, 10.2.0.9, 192.168.1.7")))
        .isEqualTo("203.0.113.5");
    // what a client wrote itself lies left of the address the first proxy saw
    assertThat(BEHIND_PROXIES.of(from("10.0.0.1", "1.2.3.4, 203.0.113.5")))
        .isEqualTo("203.0.113.5");
    // several headers are one list, in order
    assertThat(BEHIND_PROXIES.of(from("10.0.0.1", "1.2.3.4", "203.0.113.5, 10.9.9.9")))
        .isEqualTo("203.0.113.5");
  }

  @Test
  void shouldCountEachClientInOneSpellingAndIpv6ByItsSlash64() {
    assertThat(BEHIND_PROXIES.of(from("10.0.0.1", "::ffff:203.0.113.5"))).isEqualTo("203.0.113.5");
    assertThat(BEHIND_PROXIES.of(from("fd00::1", "2001:db8:0:0:1:2:3:4")))
        .isEqualTo("2001:db8:0:0::/64");
    assertThat(BEHIND_PROXIES.of(from("fd00::1", "2001:DB8::ffff"))).isEqualTo("2001:db8:0:0::/64");
    assertThat(BEHIND_PROXIES.of(from("fd00::1", "2001:db8:0:1::1")))
        .isEqualTo("2001:db8:0:1::/64");
    assertThat(new ClientAddresses(List.of()).of(from("0:0:0:0:0:0:0:1")))
        .isEqualTo("0:0:0:0::/64");
    assertThat(new ClientAddresses(List.of()).of(from("fe80::1%eth0")))
        .isEqualTo("fe80:0:0:0::/64");
  }

  @Test
  void shouldDropThePortsAndBracketsProxiesWrite() {
    assertThat(BEHIND_PROXIES.of(from("10.0.0.1", "203.0.113.5:51234"))).isEqualTo("203.0.113.5");
    assertThat(BEHIND_PROXIES.of(from("10.0.0.1", "[2001:db8::1]:443")))
        .isEqualTo("2001:db8:0:0::/64");
    assertThat(BEHIND_PROXIES.of(from("10.0.0.1", "[2001:db8::1]"))).isEqualTo("2001:db8:0:0::/64");
  }

  @Test
  void shouldTellNoClientWhenAHopIsNotAnAddressOrEveryHopIsATrustedProxy() {
    assertThat(BEHIND_PROXIES.of(from("10.0.0.1", "unknown"))).isNull();
    assertThat(BEHIND_PROXIES.of(from("10.0.0.1", "evil.example, 10.3.3.3"))).isNull();
    assertThat(BEHIND_PROXIES.of(from("10.0.0.1", " , "))).isNull();
    assertThat(BEHIND_PROXIES.of(from("10.0.0.1"))).isNull();
    assertThat(BEHIND_PROXIES.of(from("10.0.0.1", "10.0.0.2, 10.0.0.3"))).isNull();
  }

  @Test
  void shouldTreatOnlyIpLiteralsAsAddressesSoThatNoNameIsLookedUp() {
    assertThat(ClientAddresses.isIpLiteral("203.0.113.5")).isTrue();
    assertThat(ClientAddresses.isIpLiteral("::1")).isTrue();
    assertThat(ClientAddresses.isIpLiteral("2001:db8::42")).isTrue();
    for (String name :
        new String[] {"", "cafe.be", "localhost", "256.1.1.1", "1.2.3", "1.2.3.4.5", "a.b.c.d"}) {
      assertThat(ClientAddresses.isIpLiteral(name)).as(name).isFalse();
    }
    // "localhost" looked up would be 127.0.0.1, a trusted proxy here, and the walk would go on to
    // 203.0.113.9; taken as the name it is, it ends the walk
    ClientAddresses withLoopback = new ClientAddresses(List.of("10.0.0.0/8", "127.0.0.1"));
    assertThat(withLoopback.of(from("10.0.0.1", "203.0.113.9, localhost"))).isNull();
    // a colon makes an IPv6 literal or nothing: never a name to resolve
    assertThat(BEHIND_PROXIES.of(from("10.0.0.1", "abc:xyz:q"))).isNull();
    assertThat(BEHIND_PROXIES.of(from("10.0.0.1", "dead:beef:::1"))).isNull();
  }

  @Test
  void shouldRefuseAProxyThatIsNotAnAddressOrBlock() {
    assertThat(ClientAddresses.checkProxy("10.0.0.0/8")).isEqualTo("10.0.0.0/8");
    for (String bad : new String[] {"proxy.internal", "10.0.0.0/33", "10.0.0.0/x", "*"}) {
      assertThatThrownBy(() -> ClientAddresses.checkProxy(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(bad);
    }
  }
}
