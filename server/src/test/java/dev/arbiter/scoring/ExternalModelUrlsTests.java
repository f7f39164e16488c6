package dev.arbiter.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class ExternalModelUrlsTests {
  private final ExternalModelUrls urls =
      ExternalModelUrls.parse(" https://Scoring.Internal/v1 , http://10.0.4.7:9000/ ");

  private boolean allows(String url) {
    return urls.allows(URI.create(url));
  }

  @Test
  void shouldAllowUrlsUnderAPrefixAtASegmentBoundary() {
    assertThat(allows("https://scoring.internal/v1")).isTrue();
    assertThat(allows("https://scoring.internal/v1/score")).isTrue();
    assertThat(allows("HTTPS://SCORING.INTERNAL:443/v1/score?x=1")).isTrue();
    assertThat(allows("http://10.0.4.7:9000/anything")).isTrue();
  }

  @Test
  void shouldRefuseAnotherHostPortSchemePathOrCredentials() {
    assertThat(allows("https://scoring.internal/v10")).isFalse();
    assertThat(allows("https://scoring.internal.example.com/v1/score")).isFalse();
    assertThat(allows("http://scoring.internal/v1/score")).isFalse();
    assertThat(allows("https://scoring.internal:8443/v1/score")).isFalse();
    assertThat(allows("https://scoring.internal/v2/score")).isFalse();
    assertThat(allows("https://scoring.internal/v1/../admin")).isFalse();
    // what a server may read as a way out of the prefix once decoded
    assertThat(allows("https://scoring.internal/v1/%2e%2e/admin")).isFalse();
    assertThat(allows("https://scoring.internal/v1/%2E%2E%2Fadmin")).isFalse();
    assertThat(allows("https://scoring.internal/v1/..;/admin")).isFalse();
    assertThat(allows("https://scoring.internal/v1/.%2e/admin")).isFalse();
    assertThat(allows("https://scoring.internal/v1/%5c..%5cadmin")).isFalse();
    assertThat(allows("https://scoring.internal/v1/./score")).isFalse();
    assertThat(allows("https://user:pw@scoring.internal/v1/score")).isFalse();
    assertThat(allows("http://10.0.4.7/score")).isFalse();
    assertThat(allows("http://10.0.4.70:9000/score")).isFalse();
  }

  @Test
  void shouldAllowNothingUnlessSetAndRefuseWhatIsNotAPrefix() {
    assertThat(ExternalModelUrls.parse("").allows(URI.create("http://localhost/"))).isFalse();
    assertThat(ExternalModelUrls.parse(null).isEmpty()).isTrue();
    assertThatThrownBy(() -> ExternalModelUrls.parse("scoring.internal/v1"))
        .hasMessageContaining("'scoring.internal/v1'");
    assertThatThrownBy(() -> ExternalModelUrls.parse("ftp://scoring.internal/"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ExternalModelUrls.parse("https://u:p@scoring.internal/"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ExternalModelUrls.parse("https://scoring.internal/?a=1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(urls.toString())
        .isEqualTo("[https://scoring.internal:443/v1, http://10.0.4.7:9000/]");
  }
}
