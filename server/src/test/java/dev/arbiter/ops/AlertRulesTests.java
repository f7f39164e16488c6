package dev.arbiter.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.testsupport.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** The shipped Prometheus alert rules only use metrics a server exports. */
class AlertRulesTests {
  private static final Pattern METRIC = Pattern.compile("arbiter_[a-z_]+");

  @Test
  void shouldOnlyUseMetricsTheServerExports() throws Exception {
    Path rules = Path.of("..", "deploy", "prometheus", "arbiter-alerts.yml");
    JsonNode doc = YAMLMapper.builder().build().readTree(Files.readString(rules));
    Set<String> used = new TreeSet<>();
    int count = 0;
    for (JsonNode group : doc.path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        count++;
        assertThat(rule.path("alert").asString()).isNotBlank();
        Matcher m = METRIC.matcher(rule.path("expr").asString());
        while (m.find()) {
          used.add(m.group());
        }
      }
    }
    assertThat(count).isGreaterThanOrEqualTo(4);
    assertThat(used)
        .contains(
            "arbiter_outbox_pending",
            "arbiter_outbox_kafka_configured",
            "arbiter_decision_log_dropped_total",
            "arbiter_decision_log_full_waits_total",
            "arbiter_budget_charge_uncounted");
    try (TestServer server = TestServer.start()) {
      String metrics = server.get("/metrics").body();
      for (String name : used) {
        assertThat(metrics)
            .as("/metrics exports %s", name)
            .containsPattern("(?m)^" + name + "[ {]");
      }
      assertThat(metrics).contains("arbiter_outbox_kafka_configured 0.0");
    }
  }
}
