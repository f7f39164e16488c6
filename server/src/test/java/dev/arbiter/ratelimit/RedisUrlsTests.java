package dev.arbiter.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.Test;

class RedisUrlsTests {

  @Test
  void shouldReadHostAndPortDefaultingTo6379AndDatabase0() {
    RedisURI uri = valid("redis://cache.internal:6380");
    assertThat(uri.getHost()).isEqualTo("cache.internal");
    assertThat(uri.getPort()).isEqualTo(6380);
    assertThat(uri.getDatabase()).isZero();
    assertThat(uri.isSsl()).isFalse();

    assertThat(valid("redis://localhost").getPort()).isEqualTo(6379);
    assertThat(valid("redis://localhost/").getDatabase()).isZero();
  }

  @Test
  void shouldReadAPasswordAndADatabase() {
    RedisURI uri = valid("redis://:s3cr%40t@h:6379/2");

    assertThat(uri.getCredentialsProvider().resolveCredentials().block().getPassword())
        .isEqualTo("s3cr@t".toCharArray());
    assertThat(uri.getDatabase()).isEqualTo(2);
  }

  @Test
  void shouldReadAnAclUser() {
    RedisURI uri = valid("redis://arbiter:pw@h");

    var credentials = uri.getCredentialsProvider().resolveCredentials().block();
    assertThat(credentials.getUsername()).isEqualTo("arbiter");
    assertThat(credentials.getPassword()).isEqualTo("pw".toCharArray());
  }

  @Test
  void shouldUseTlsForRediss() {
    assertThat(valid("rediss://:pw@redis.example.com:6380").isSsl()).isTrue();
  }

  @Test
  void shouldExplainMalformedUrlsWithoutEchoingThePassword() {
    assertThat(problem(""))
        .isEqualTo("Expected a Redis URL such as redis://host:6379, but it is empty");
    assertThat(problem(null)).contains("empty");
    assertThat(problem("http://:hunter2@h:6379"))
        .isEqualTo(
            "Expected a redis:// or rediss:// (TLS) URL, but 'http://***@h:6379' is not one");
    assertThat(problem("localhost:6379")).contains("redis:// or rediss://");
    assertThat(problem("redis://:hunter2@h:port")).contains("host").doesNotContain("hunter2");
    assertThat(problem("redis://h:70000")).contains("port");
    assertThat(problem("redis://h:6379/zero")).contains("database number").contains("/zero");
    assertThat(problem("redis://h:6379/0?timeout=1s")).contains("without query");
    assertThat(problem("redis://:hun ter2@h")).contains("not a URL").doesNotContain("hun ter2");
    assertThat(problem("redis://:a/b@h")).doesNotContain("a/b");
  }

  private static RedisURI valid(String url) {
    RedisUrls.Result result = RedisUrls.parse(url);
    assertThat(result.problems()).isEmpty();
    assertThat(result.valid()).isTrue();
    return result.uri();
  }

  private static String problem(String url) {
    RedisUrls.Result result = RedisUrls.parse(url);
    assertThat(result.valid()).isFalse();
    assertThat(result.uri()).isNull();
    return result.problems().getFirst();
  }
}
