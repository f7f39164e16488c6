package dev.arbiter.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.testsupport.TestServer;
import dev.arbiter.testsupport.TestServer.Response;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Request bodies over the configured limit are refused with 413 {@code PAYLOAD_TOO_LARGE}: with a
 * declared length before anything reads them (before authentication too), chunked ones once the
 * count passes the limit; catalog imports have a larger limit of their own. Real server.
 */
class RequestSizeIntegrationTests {
  static final int LIMIT = 4096;
  static final int CATALOG_LIMIT = 16384;
  static TestServer server;
  static String decision;
  static String editor;

  @BeforeAll
  static void start() {
    server =
        TestServer.start(
            Map.of(
                "ARBITER_MAX_REQUEST_BYTES",
                Integer.toString(LIMIT),
                "ARBITER_MAX_CATALOG_BYTES",
                Integer.toString(CATALOG_LIMIT)));
    decision = server.apiKey("acme", "decision");
    editor = server.apiKey("acme", "editor");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** A Recommend body of about {@code size} bytes: valid JSON, padded in the context. */
  static String recommendBody(int size) {
    String head = "{\"customerId\":\"c\",\"flowKey\":\"none\",\"context\":{\"pad\":\"";
    String tail = "\"}}";
    return head + "x".repeat(Math.max(0, size - head.length() - tail.length())) + tail;
  }

  @Test
  void shouldRefuseADeclaredBodyOverTheLimitBeforeAuthentication() {
    Response anonymous = send("/api/v1/recommend", null, recommendBody(LIMIT + 1), false);
    assertThat(anonymous.status()).as(anonymous.body()).isEqualTo(413);
    assertThat(anonymous.code()).isEqualTo("PAYLOAD_TOO_LARGE");
    assertThat(anonymous.json().path("detail").asString())
        .contains("4097 bytes", "at most 4096", "ARBITER_MAX_REQUEST_BYTES");
    assertThat(anonymous.header("X-Request-ID")).isNotBlank();

    Response respond =
        send("/api/v1/respond", decision, "{\"x\":\"" + "y".repeat(LIMIT) + "\"}", false);
    assertThat(respond.status()).isEqualTo(413);
  }

  @Test
  void shouldRefuseAChunkedBodyOnceItPassesTheLimit() {
    // the servlet route (Recommend) and an annotated one (Respond)
    Response recommend = send("/api/v1/recommend", decision, recommendBody(LIMIT * 4), true);
    assertThat(recommend.status()).as(recommend.body()).isEqualTo(413);
    assertThat(recommend.code()).isEqualTo("PAYLOAD_TOO_LARGE");
    assertThat(recommend.json().path("detail").asString()).contains("more than 4096 bytes");
    Response respond =
        send("/api/v1/respond", decision, "{\"x\":\"" + "y".repeat(LIMIT * 4) + "\"}", true);
    assertThat(respond.status()).as(respond.body()).isEqualTo(413);
    assertThat(respond.code()).isEqualTo("PAYLOAD_TOO_LARGE");
  }

  @Test
  void shouldLetBodiesWithinTheLimitThrough() {
    for (boolean chunked : new boolean[] {false, true}) {
      Response r = send("/api/v1/recommend", decision, recommendBody(LIMIT), chunked);
      // past the size check: no published flow "none"
      assertThat(r.status()).as("chunked %s: %s", chunked, r.body()).isEqualTo(404);
      assertThat(r.code()).isEqualTo("FLOW_NOT_FOUND");
    }
  }

  @Test
  void shouldGiveCatalogImportsTheirOwnLimit() {
    String offers = "{\"apiVersion\":\"arbiter/v1\",\"offers\":[],\"pad\":\"";
    String within = offers + "x".repeat(LIMIT * 2) + "\"}";
    Response imported = send("/api/v1/catalog/import?dryRun=true", editor, within, false);
    assertThat(imported.status()).as(imported.body()).isNotEqualTo(413);
    String over = offers + "x".repeat(CATALOG_LIMIT) + "\"}";
    for (boolean chunked : new boolean[] {false, true}) {
      Response refused = send("/api/v1/catalog/import?dryRun=true", editor, over, chunked);
      assertThat(refused.status()).as("chunked %s: %s", chunked, refused.body()).isEqualTo(413);
      assertThat(refused.json().path("detail").asString()).contains("ARBITER_MAX_CATALOG_BYTES");
    }
  }

  /** POSTs {@code body} as JSON, with {@code key} on tenant acme unless null, chunked or sized. */
  static Response send(String path, String key, String body, boolean chunked) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
            .header("Content-Type", "application/json")
            .POST(
                chunked
                    ? HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(bytes))
                    : HttpRequest.BodyPublishers.ofByteArray(bytes));
    if (key != null) {
      b.header("Authorization", "Bearer " + key).header("X-Tenant-Id", "acme");
    }
    try (HttpClient client = HttpClient.newHttpClient()) {
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.headers().map(), r.body());
    } catch (java.io.IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
