package dev.arbiter.engine.catalog;

/**
 * The API's {@code scope}: {@code {type, value?}}.
 *
 * @param type for rules {@code all|category|subcategory|offer}; for contact policies {@code
 *     global|channel|category|offer}
 * @param value the category, subcategory, channel or offer key, or null
 */
public record ScopeDefinition(String type, String value) {}
