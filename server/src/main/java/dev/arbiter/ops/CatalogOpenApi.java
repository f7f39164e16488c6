package dev.arbiter.ops;

import dev.arbiter.catalog.ResourceKind;
import dev.arbiter.engine.arbitration.Formula;
import dev.arbiter.engine.catalog.OfferStatus;
import dev.arbiter.engine.catalog.RuleScopeType;
import dev.arbiter.engine.policy.PolicyScopeType;
import dev.arbiter.engine.policy.PolicyType;
import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.core.converter.ResolvedSchema;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.BooleanSchema;
import io.swagger.v3.oas.models.media.ComposedSchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.DateTimeSchema;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.PathParameter;
import io.swagger.v3.oas.models.parameters.QueryParameter;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The catalog's paths in the OpenAPI document, one per resource kind. The controller serves every
 * kind through one route ({@code /api/v1/{kind}}) on untyped bodies, which the generator can only
 * describe as such; this replaces it with {@code /api/v1/offers}, {@code /api/v1/offers/{key}} and
 * so on, with each kind's schema taken from the engine's definition record the server converts
 * bodies to (so a field the server refuses is not in it), the enumerations API.md lists, and the
 * fields every stored resource answers with.
 */
final class CatalogOpenApi {
  private static final String JSON = "application/json";
  private static final String META = "CatalogResourceMeta";

  private CatalogOpenApi() {}

  /** Replaces the generic catalog paths of {@code api} with one set per kind. */
  static void expand(OpenAPI api) {
    if (api.getPaths() == null) {
      return;
    }
    api.getPaths().remove("/api/v1/{kind}");
    api.getPaths().remove("/api/v1/{kind}/{key}");
    if (api.getComponents() == null) {
      api.setComponents(new Components());
    }
    Components components = api.getComponents();
    components.addSchemas(META, meta());
    for (ResourceKind kind : ResourceKind.values()) {
      String name = schemaName(kind);
      ResolvedSchema resolved =
          ModelConverters.getInstance().readAllAsResolvedSchema(kind.definitionType());
      Schema<?> body = resolved.schema;
      resolved.referencedSchemas.forEach(
          (ref, schema) -> {
            if (!ref.equals(kind.definitionType().getSimpleName())) {
              components.addSchemas(ref, schema);
            }
          });
      body.setName(null);
      // id and version are the server's, whatever a body says
      if (body.getProperties() != null) {
        body.getProperties().remove("id");
        body.getProperties().remove("version");
      }
      enumerations(kind, body);
      body.addProperty(
          "rowVersion",
          new IntegerSchema()
              .format("int64")
              .description("required on PUT: the rowVersion last read (409 when stale)"));
      body.setRequired(List.of("key"));
      components.addSchemas(name, body);
      ComposedSchema view = new ComposedSchema();
      view.allOf(List.of(ref(name), ref(META)));
      components.addSchemas(name + "View", view);
      ObjectSchema page = new ObjectSchema();
      page.addProperty("data", new ArraySchema().items(ref(name + "View")));
      page.addProperty(
          "pagination",
          new ObjectSchema()
              .addProperty("nextCursor", new StringSchema().nullable(true))
              .addProperty("hasMore", new BooleanSchema()));
      components.addSchemas(name + "Page", page);
      String tag = "catalog";
      String plural = kind.path();
      api.path(
          "/api/v1/" + plural,
          new PathItem()
              .get(
                  new Operation()
                      .operationId("list" + upperFirst(plural))
                      .summary("Lists the tenant's " + plural + ", by key")
                      .addTagsItem(tag)
                      .addParametersItem(
                          new QueryParameter()
                              .name("limit")
                              .schema(new IntegerSchema().minimum(java.math.BigDecimal.ONE)))
                      .addParametersItem(
                          new QueryParameter().name("cursor").schema(new StringSchema()))
                      .responses(ok("200", ref(name + "Page"))))
              .post(
                  new Operation()
                      .operationId("create" + name)
                      .summary("Creates a " + kind.label() + " (422 with field errors if invalid)")
                      .addTagsItem(tag)
                      .requestBody(body(name))
                      .responses(ok("201", ref(name + "View")))));
      api.path(
          "/api/v1/" + plural + "/{key}",
          new PathItem()
              .addParametersItem(
                  new PathParameter().name("key").required(true).schema(new StringSchema()))
              .get(
                  new Operation()
                      .operationId("get" + name)
                      .addTagsItem(tag)
                      .responses(ok("200", ref(name + "View"))))
              .put(
                  new Operation()
                      .operationId("update" + name)
                      .summary("Replaces it; send the rowVersion you read")
                      .addTagsItem(tag)
                      .requestBody(body(name))
                      .responses(ok("200", ref(name + "View"))))
              .delete(
                  new Operation()
                      .operationId("delete" + name)
                      .summary("Deletes it (409 RESOURCE_IN_USE while referenced)")
                      .addTagsItem(tag)
                      .responses(
                          new ApiResponses()
                              .addApiResponse("204", new ApiResponse().description("Deleted")))));
    }
    // rules and policies share the definition record of their scope, not its types
    components.getSchemas().remove("ScopeDefinition");
  }

  /** A scope of {@code types}, {@code value} naming the channel, category or offer. */
  private static Schema<?> scope(java.util.stream.Stream<String> types) {
    ObjectSchema scope = new ObjectSchema();
    StringSchema type = new StringSchema();
    type.setEnum(types.toList());
    scope.addProperty("type", type);
    scope.addProperty("value", new StringSchema().description("absent for all/global"));
    scope.setRequired(List.of("type"));
    return scope;
  }

  /** The fields API.md enumerates, as the server accepts them. */
  private static void enumerations(ResourceKind kind, Schema<?> body) {
    Map<String, Schema> p = body.getProperties();
    if (p == null) {
      return;
    }
    switch (kind) {
      case OFFER ->
          enumerate(
              p.get("status"), Arrays.stream(OfferStatus.values()).map(OfferStatus::wireName));
      case QUALIFICATION_RULE ->
          p.put("scope", scope(Arrays.stream(RuleScopeType.values()).map(RuleScopeType::wireName)));
      case CONTACT_POLICY -> {
        enumerate(p.get("type"), Arrays.stream(PolicyType.values()).map(PolicyType::wireName));
        p.put(
            "scope", scope(Arrays.stream(PolicyScopeType.values()).map(PolicyScopeType::wireName)));
      }
      case MODEL -> {
        enumerate(
            p.get("type"),
            java.util.stream.Stream.of(
                "scorecard", "thompson", "naive_bayes", "logistic", "external"));
        if (p.get("type") != null) {
          p.get("type")
              .description(
                  "onnx is refused: serve such a model over HTTP and use external (README,"
                      + " External models)");
        }
      }
      case ARBITRATION_PROFILE ->
          enumerate(p.get("formula"), Arrays.stream(Formula.values()).map(Formula::wireName));
      default -> {}
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void enumerate(Schema schema, java.util.stream.Stream<String> values) {
    if (schema != null) {
      schema.setEnum(values.toList());
    }
  }

  private static Schema<?> meta() {
    ObjectSchema meta = new ObjectSchema();
    meta.addProperty("id", new StringSchema().description("assigned by the server"));
    meta.addProperty("key", new StringSchema());
    meta.addProperty("rowVersion", new IntegerSchema().format("int64"));
    meta.addProperty("createdAt", new DateTimeSchema());
    meta.addProperty("updatedAt", new DateTimeSchema());
    meta.setRequired(List.of("id", "key", "rowVersion", "createdAt", "updatedAt"));
    return meta;
  }

  private static RequestBody body(String schema) {
    return new RequestBody()
        .required(true)
        .content(new Content().addMediaType(JSON, new MediaType().schema(ref(schema))));
  }

  private static ApiResponses ok(String status, Schema<?> schema) {
    return new ApiResponses()
        .addApiResponse(
            status,
            new ApiResponse()
                .description("OK")
                .content(new Content().addMediaType(JSON, new MediaType().schema(schema))));
  }

  private static Schema<?> ref(String name) {
    return new Schema<>().$ref("#/components/schemas/" + name);
  }

  /** offers: Offer; qualification-rules: QualificationRule; ... */
  private static String schemaName(ResourceKind kind) {
    return upperFirst(kind.label().replace(' ', '-'));
  }

  /** Each dash-separated word capitalised and joined: qualification-rules, QualificationRules. */
  private static String upperFirst(String s) {
    StringBuilder out = new StringBuilder();
    for (String part : s.split("-")) {
      out.append(part.isEmpty() ? "" : Character.toUpperCase(part.charAt(0)) + part.substring(1));
    }
    return out.toString();
  }
}
