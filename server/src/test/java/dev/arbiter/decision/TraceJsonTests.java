package dev.arbiter.decision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.engine.trace.DecisionTrace;
import dev.arbiter.engine.trace.OfferScore;
import dev.arbiter.engine.trace.Removal;
import dev.arbiter.engine.trace.Stage;
import dev.arbiter.engine.trace.StageTrace;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A stored trace written field by field is the document the trace API served when it was built of
 * maps: the same bytes as those maps with the removals' and factors' fields in the order they are
 * written now (they were in no fixed order then: {@code Map.of}).
 */
class TraceJsonTests {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void shouldWriteTheDocumentTheMapsMade() {
    for (RecommendRequest request :
        List.of(
            new RecommendRequest("c-1", null, null, "home", null, null, null),
            new RecommendRequest(
                "c-ü \"quoted\"",
                "web",
                "hero",
                null,
                3,
                attributes(),
                Map.of("relevance", Map.of("gold", 0.5), "segment", "std")))) {
      TraceView view =
          new TraceView("t-1", "d-1", "r-1", request, "2026-12-06T08:15:30.123Z", -7L, trace());

      String written = JSON.writeValueAsString(view);

      assertThat(written).isEqualTo(JSON.writeValueAsString(maps(view)));
      List<String> names = new ArrayList<>();
      JSON.readTree(written).propertyNames().forEach(names::add);
      assertThat(names)
          .containsExactly(
              "id",
              "decisionId",
              "requestId",
              "customerId",
              "flowKey",
              "flowVersion",
              "catalogVersion",
              "createdAt",
              "request",
              "routing",
              "candidates",
              "stages",
              "scores",
              "result");
    }
  }

  /** Inline with X-Debug, the answer carries the same document. */
  @Test
  void shouldWriteTheSameDocumentInsideAnAnswer() {
    TraceView view =
        new TraceView(
            "t-1",
            "d-1",
            "r-1",
            new RecommendRequest("c-1", "web", null, null, null, attributes(), Map.of()),
            "2026-12-06T08:15:30Z",
            1L,
            trace());
    RecommendService.Answer answer =
        new RecommendService.Answer("d-1", "home", 3, 42L, List.of(), "t-1", view);

    JsonNode inline = JSON.readTree(JSON.writeValueAsString(answer)).path("trace");

    assertThat(inline).isEqualTo(JSON.readTree(JSON.writeValueAsString(view)));
    assertThat(inline.path("stages").get(1).path("removed").get(0).path("reason").asString())
        .isEqualTo("rule min_balance: balance >= 1000 failed");
  }

  private static Map<String, Object> attributes() {
    Map<String, Object> attributes = new LinkedHashMap<>();
    attributes.put("balance", 1200.5);
    attributes.put("tags", List.of("a", 1, true));
    attributes.put("nothing", null);
    attributes.put("nested", Map.of("x", List.of(Map.of("y", -0.0))));
    return attributes;
  }

  private static DecisionTrace trace() {
    return new DecisionTrace(
        "home",
        3,
        42L,
        "flow_key",
        3,
        List.of(
            new StageTrace(Stage.STATUS, 3, 3, 0, List.of()),
            new StageTrace(
                Stage.QUALIFICATION,
                3,
                2,
                17,
                List.of(
                    new Removal(
                        "silver",
                        Stage.QUALIFICATION,
                        "rule",
                        "rule min_balance: balance >= 1000 failed"))),
            new StageTrace(
                Stage.ARBITRATION,
                2,
                1,
                Long.MAX_VALUE,
                List.of(
                    new Removal(
                        "bronzé",
                        Stage.ARBITRATION,
                        "ranked_out",
                        "ranked below the top 1 (score 0.5 needed)")))),
        List.of(
            new OfferScore("gold", 0.75, false, 1.0, 0.2, 1e-12, 123456.789, false, null),
            new OfferScore("bronzé", 0.05, true, -0.0, 0, 0.5, 0, true, null)),
        List.of("gold"));
  }

  /** The document as RecommendService built it up to this change: maps and lists. */
  private static Map<String, Object> maps(TraceView view) {
    DecisionTrace t = view.trace();
    RecommendRequest request = view.request();
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("id", view.id());
    v.put("decisionId", view.decisionId());
    v.put("requestId", view.requestId());
    v.put("customerId", request.customerId());
    v.put("flowKey", t.flowKey());
    v.put("flowVersion", t.flowVersion());
    v.put("catalogVersion", t.catalogVersion());
    v.put("createdAt", view.createdAt());
    Map<String, Object> req = new LinkedHashMap<>();
    req.put("channel", request.channel());
    req.put("placement", request.placement());
    req.put("flowKey", request.flowKey());
    req.put("limit", request.limit());
    req.put("attributes", request.attributes());
    req.put("context", request.context());
    req.put("seed", view.seed());
    v.put("request", req);
    v.put("routing", t.routing());
    v.put("candidates", t.candidates());
    List<Map<String, Object>> stages = new ArrayList<>();
    for (StageTrace s : t.stages()) {
      Map<String, Object> stage = new LinkedHashMap<>();
      stage.put("stage", s.stage().wireName());
      stage.put("in", s.in());
      stage.put("out", s.out());
      stage.put("durationMicros", s.durationMicros());
      List<Map<String, Object>> removed = new ArrayList<>();
      for (Removal r : s.removed()) {
        Map<String, Object> removal = new LinkedHashMap<>();
        removal.put("offerKey", r.offerKey());
        removal.put("code", r.code());
        removal.put("reason", r.reason());
        removed.add(removal);
      }
      stage.put("removed", removed);
      stages.add(stage);
    }
    v.put("stages", stages);
    List<Map<String, Object>> scores = new ArrayList<>();
    for (OfferScore s : t.scores()) {
      Map<String, Object> score = new LinkedHashMap<>();
      score.put("offerKey", s.offerKey());
      score.put("propensity", s.propensity());
      score.put("fallback", s.fallback());
      Map<String, Object> factors = new LinkedHashMap<>();
      factors.put("propensity", s.propensity());
      factors.put("relevance", s.relevance());
      factors.put("value", s.value());
      factors.put("priority", s.priority());
      score.put("factors", factors);
      score.put("score", s.score());
      score.put("eliminated", s.eliminated());
      scores.add(score);
    }
    v.put("scores", scores);
    v.put("result", t.result());
    return v;
  }
}
