package dev.arbiter.catalog;

import java.util.List;
import java.util.Map;

/** Valid example bodies of every kind, mirroring API.md. */
final class CatalogSamples {
  private CatalogSamples() {}

  static Map<String, Object> offer(String key) {
    return Map.of(
        "key",
        key,
        "name",
        "Gold card",
        "category",
        "cards",
        "status",
        "active",
        "priority",
        50,
        "value",
        Map.of("revenue", 120, "margin", 40, "cost", 5),
        "channels",
        List.of("web"),
        "placements",
        List.of("hero"),
        "budget",
        Map.of("maxDecisions", 1000, "period", "day"),
        "content",
        Map.of("headline", "Go gold"));
  }

  static Map<String, Object> rule(String key) {
    return Map.of(
        "key",
        key,
        "name",
        "Minimum balance",
        "scope",
        Map.of("type", "all"),
        "expression",
        Map.of(">=", List.of(Map.of("var", "customer.balance"), 1000)),
        "status",
        "active");
  }

  static Map<String, Object> policy(String key) {
    return Map.of(
        "key",
        key,
        "name",
        "Weekly cap",
        "type",
        "frequency_cap",
        "scope",
        Map.of("type", "global"),
        "config",
        Map.of("outcome", "impression", "max", 3, "window", "P7D"),
        "status",
        "active");
  }

  static Map<String, Object> model(String key) {
    return Map.of(
        "key", key, "name", "Bandit", "type", "thompson", "config", Map.of(), "fallbackScore", 0.1);
  }

  static Map<String, Object> profile(String key) {
    return Map.of(
        "key",
        key,
        "name",
        "Balanced",
        "formula",
        "prie",
        "weights",
        Map.of("propensity", 0.4, "relevance", 0.2, "value", 0.3, "priority", 0.1));
  }

  static Map<String, Object> flow(String key) {
    return Map.of(
        "key",
        key,
        "name",
        "Homepage",
        "channel",
        "web",
        "placement",
        key,
        "inventory",
        Map.of("categories", List.of("cards")),
        "maxOffers",
        3);
  }

  static Map<String, Object> sample(String kindPath, String key) {
    return switch (kindPath) {
      case "offers" -> offer(key);
      case "qualification-rules" -> rule(key);
      case "contact-policies" -> policy(key);
      case "models" -> model(key);
      case "arbitration-profiles" -> profile(key);
      case "flows" -> flow(key);
      default -> throw new IllegalArgumentException(kindPath);
    };
  }

  /** A field every kind has that may change freely. */
  static String editableField() {
    return "name";
  }
}
