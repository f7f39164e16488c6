package dev.arbiter.decision.web;

import dev.arbiter.decision.RecommendRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.ObjectReader;

/**
 * Reads a Recommend body with a streaming parser, falling back to data binding for anything it does
 * not recognise. The fast path takes the request as channels send it: known properties with values
 * of their own type (strings, a small integer, objects of plain JSON values), and nothing after the
 * object. Any other input (unknown properties, values that need coercion, malformed JSON, trailing
 * tokens, floating-point numbers) is read again by {@code reader}, so what it accepts, what it
 * builds and every error it raises are data binding's own; {@code RequestJsonTests} checks that
 * both paths build equal requests.
 */
final class RequestJson {
  private final ObjectReader reader;

  /**
   * @param reader the application mapper's reader for {@link RecommendRequest}
   */
  RequestJson(ObjectReader reader) {
    this.reader = reader;
  }

  /**
   * @throws JacksonException as data binding throws it, for input it refuses
   */
  RecommendRequest read(byte[] body) {
    try (JsonParser p = reader.createParser(body)) {
      RecommendRequest fast = fast(p);
      if (fast != null) {
        return fast;
      }
    } catch (JacksonException e) {
      // data binding reads it again and raises its own error
    }
    return reader.readValue(body);
  }

  /** The request, or null when data binding must read it. */
  private static RecommendRequest fast(JsonParser p) {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      return null;
    }
    String customerId = null;
    String channel = null;
    String placement = null;
    String flowKey = null;
    Integer limit = null;
    Map<String, Object> attributes = null;
    Map<String, Object> context = null;
    for (String name = p.nextName(); name != null; name = p.nextName()) {
      JsonToken t = p.nextToken();
      switch (name) {
        case "customerId", "channel", "placement", "flowKey" -> {
          if (t != JsonToken.VALUE_STRING && t != JsonToken.VALUE_NULL) {
            return null;
          }
          String value = t == JsonToken.VALUE_NULL ? null : p.getString();
          switch (name) {
            case "customerId" -> customerId = value;
            case "channel" -> channel = value;
            case "placement" -> placement = value;
            default -> flowKey = value;
          }
        }
        case "limit" -> {
          if (t == JsonToken.VALUE_NULL) {
            limit = null;
          } else if (t == JsonToken.VALUE_NUMBER_INT
              && p.getNumberType() == JsonParser.NumberType.INT) {
            limit = p.getIntValue();
          } else {
            return null;
          }
        }
        case "attributes", "context" -> {
          Map<String, Object> value;
          if (t == JsonToken.VALUE_NULL) {
            value = null;
          } else if (t == JsonToken.START_OBJECT) {
            value = object(p);
            if (value == null) {
              return null;
            }
          } else {
            return null;
          }
          if (name.equals("attributes")) {
            attributes = value;
          } else {
            context = value;
          }
        }
        default -> {
          return null;
        }
      }
    }
    if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
      return null;
    }
    return new RecommendRequest(
        customerId, channel, placement, flowKey, limit, attributes, context);
  }

  /** The object whose START_OBJECT was just read, or null for a value to leave to binding. */
  private static Map<String, Object> object(JsonParser p) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (String name = p.nextName(); name != null; name = p.nextName()) {
      Object value = value(p, p.nextToken());
      if (value == UNKNOWN) {
        return null;
      }
      map.put(name, value);
    }
    return p.currentToken() == JsonToken.END_OBJECT ? map : null;
  }

  private static final Object UNKNOWN = new Object();

  private static Object value(JsonParser p, JsonToken t) {
    return switch (t) {
      case VALUE_STRING -> p.getString();
      case VALUE_NUMBER_INT -> p.getNumberValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      case START_OBJECT -> {
        Map<String, Object> m = object(p);
        yield m == null ? UNKNOWN : m;
      }
      case START_ARRAY -> {
        List<Object> list = new ArrayList<>();
        for (JsonToken item = p.nextToken(); item != JsonToken.END_ARRAY; item = p.nextToken()) {
          Object v = item == null ? UNKNOWN : value(p, item);
          if (v == UNKNOWN) {
            yield UNKNOWN;
          }
          list.add(v);
        }
        yield list;
      }
      default -> UNKNOWN; // floating point and anything else: as data binding reads it
    };
  }
}
