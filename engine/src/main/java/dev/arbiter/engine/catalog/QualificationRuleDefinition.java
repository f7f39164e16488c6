package dev.arbiter.engine.catalog;

/**
 * A qualification rule as the API holds it.
 *
 * @param id may be null
 * @param key unique per tenant
 * @param name may be null
 * @param scope which offers it applies to
 * @param expression JSON Logic as parsed JSON; evaluated against {@code {customer, request, offer}}
 * @param status {@code active|inactive}; null means active. Inactive rules are validated but not
 *     applied.
 */
public record QualificationRuleDefinition(
    String id, String key, String name, ScopeDefinition scope, Object expression, String status) {}
