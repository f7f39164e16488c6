package dev.arbiter.engine.catalog;

/**
 * The published version of a decision flow.
 *
 * @param id may be null
 * @param key unique per tenant
 * @param name may be null
 * @param channel the channel it serves, or {@code *} for any
 * @param placement the placement it serves, or {@code *} for any
 * @param inventory the candidate offers
 * @param modelKey the scoring model, or null (every offer then has propensity 0.5)
 * @param arbitrationProfileKey the profile, or null for the default PRIE profile
 * @param maxOffers at least 1
 * @param version the published version, at least 1
 */
public record FlowDefinition(
    String id,
    String key,
    String name,
    String channel,
    String placement,
    InventoryDefinition inventory,
    String modelKey,
    String arbitrationProfileKey,
    Integer maxOffers,
    Integer version) {}
