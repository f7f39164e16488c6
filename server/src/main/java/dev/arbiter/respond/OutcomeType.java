package dev.arbiter.respond;

import dev.arbiter.engine.scoring.OutcomeClass;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An outcome Respond accepts: one of the six built-in types or one the tenant defined.
 *
 * @param id null for a built-in type
 * @param classification what the outcome means: positive outcomes charge an offer's cost and teach
 *     models a success, negative ones a failure, neutral ones nothing
 * @param learns whether models learn from it: every non-neutral type except the built-in {@code
 *     impression}, which is an exposure rather than a response (counting it as a success would make
 *     every offer shown look good)
 * @param rowVersion 0 for a built-in type
 * @param createdAt null for a built-in type
 */
public record OutcomeType(
    String id,
    String key,
    String name,
    String description,
    OutcomeClass classification,
    boolean builtIn,
    boolean learns,
    long rowVersion,
    Instant createdAt,
    Instant updatedAt) {

  static OutcomeType builtIn(String key, String name, OutcomeClass classification) {
    return new OutcomeType(
        null,
        key,
        name,
        null,
        classification,
        true,
        !key.equals("impression") && classification != OutcomeClass.NEUTRAL,
        0,
        null,
        null);
  }

  /** The API's view. */
  public Map<String, Object> view() {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("id", id);
    v.put("key", key);
    v.put("name", name);
    v.put("description", description);
    v.put("classification", classification.name().toLowerCase(Locale.ROOT));
    v.put("builtIn", builtIn);
    v.put("learns", learns);
    v.put("rowVersion", rowVersion);
    v.put("createdAt", createdAt == null ? null : createdAt.toString());
    v.put("updatedAt", updatedAt == null ? null : updatedAt.toString());
    return v;
  }
}
