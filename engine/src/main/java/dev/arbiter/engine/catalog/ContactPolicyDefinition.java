package dev.arbiter.engine.catalog;

import java.util.Map;

/**
 * A contact policy as the API holds it. See {@link dev.arbiter.engine.policy.ContactPolicy} for
 * each type's {@code config} and {@link dev.arbiter.engine.policy.PolicyScopeType} for scopes.
 *
 * @param id may be null
 * @param key unique per tenant
 * @param name may be null
 * @param type {@code frequency_cap|cooldown|channel_fatigue}
 * @param scope what it applies to
 * @param config the type's configuration as parsed JSON
 * @param status {@code active|inactive}; null means active
 */
public record ContactPolicyDefinition(
    String id,
    String key,
    String name,
    String type,
    ScopeDefinition scope,
    Map<String, ?> config,
    String status) {}
