package dev.arbiter.engine.catalog;

import java.util.List;

/**
 * Everything one tenant's snapshot is built from. Lists may be null (treated as empty).
 *
 * @param tenantId the tenant, for diagnostics
 * @param catalogVersion the caller's version of this catalog, named in every decision
 * @param offers offers of every status
 * @param rules qualification rules
 * @param policies contact policies
 * @param models scoring models
 * @param profiles arbitration profiles
 * @param flows the published version of each flow
 */
public record CatalogDefinition(
    String tenantId,
    long catalogVersion,
    List<OfferDefinition> offers,
    List<QualificationRuleDefinition> rules,
    List<ContactPolicyDefinition> policies,
    List<ModelDefinition> models,
    List<ArbitrationProfileDefinition> profiles,
    List<FlowDefinition> flows) {
  public CatalogDefinition {
    offers = offers == null ? List.of() : List.copyOf(offers);
    rules = rules == null ? List.of() : List.copyOf(rules);
    policies = policies == null ? List.of() : List.copyOf(policies);
    models = models == null ? List.of() : List.copyOf(models);
    profiles = profiles == null ? List.of() : List.copyOf(profiles);
    flows = flows == null ? List.of() : List.copyOf(flows);
  }
}
