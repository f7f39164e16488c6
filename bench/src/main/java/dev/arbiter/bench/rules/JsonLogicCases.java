package dev.arbiter.bench.rules;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import tools.jackson.core.TokenStreamFactory;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The rules and data of {@code rules/jsonlogic-cases.json}, shared by the JMH benchmarks and the
 * node script, parsed into plain Java maps in one of two ways.
 */
final class JsonLogicCases {
  /**
   * How the data's property names are parsed. Jackson 3 does not intern them by default, so every
   * map lookup compares key contents; Jackson 2 did intern them by default, as V8's {@code
   * JSON.parse} does, and then a lookup with an interned key is an identity check.
   */
  enum Keys {
    JACKSON3_DEFAULT,
    INTERNED;

    static Keys of(String name) {
      return valueOf(name.replace('-', '_').toUpperCase(java.util.Locale.ROOT));
    }
  }

  private JsonLogicCases() {}

  static Map<?, ?> load(Keys keys) {
    JsonMapper mapper =
        JsonMapper.builder(
                JsonFactory.builder()
                    .configure(
                        TokenStreamFactory.Feature.INTERN_PROPERTY_NAMES, keys == Keys.INTERNED)
                    .build())
            .build();
    try (InputStream in = JsonLogicCases.class.getResourceAsStream("/rules/jsonlogic-cases.json")) {
      return mapper.readValue(in, Map.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static boolean keysInterned(Object data) {
    Object first = ((Map<?, ?>) data).keySet().iterator().next();
    return first == ((String) first).intern();
  }
}
