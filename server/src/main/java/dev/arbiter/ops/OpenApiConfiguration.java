package dev.arbiter.ops;

import dev.arbiter.security.Caller;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.HeaderParameter;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI document at {@code /api/openapi.json}: generated from the controllers, with the
 * bearer scheme and the {@code X-Tenant-Id} header every {@code /api/v1} call needs.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {
  static {
    // The caller comes from authentication, not from the request.
    SpringDocUtils.getConfig().addRequestWrapperToIgnore(Caller.class);
  }

  @Bean
  OpenAPI arbiterOpenApi(BuildVersion version) {
    return new OpenAPI()
        .info(
            new Info()
                .title("Arbiter API")
                .version(version.version())
                .description(
                    "Real-time next-best-action decisioning. Errors are application/problem+json"
                        + " with a stable `code`; every response carries X-Request-ID."))
        .components(
            new Components()
                .addSecuritySchemes(
                    "bearer",
                    new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .description("An Arbiter API key (ak_…) or a JWT")));
  }

  @Bean
  OpenApiCustomizer tenantHeader() {
    return api -> {
      CatalogOpenApi.expand(api);
      tenantHeader(api);
    };
  }

  private static void tenantHeader(io.swagger.v3.oas.models.OpenAPI api) {
    api.getPaths()
        .forEach(
            (path, item) -> {
              if (!path.startsWith("/api/v1/")) {
                return;
              }
              item.readOperations()
                  .forEach(
                      op -> {
                        op.addSecurityItem(new SecurityRequirement().addList("bearer"));
                        op.addParametersItem(
                            new HeaderParameter()
                                .name("X-Tenant-Id")
                                .required(!path.startsWith("/api/v1/tenants"))
                                .description("Key of the tenant to act in")
                                .schema(new StringSchema()));
                      });
            });
  }
}
