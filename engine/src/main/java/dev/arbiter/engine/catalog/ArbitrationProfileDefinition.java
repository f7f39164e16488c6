package dev.arbiter.engine.catalog;

import java.util.Map;

/**
 * An arbitration profile as the API holds it.
 *
 * @param id may be null
 * @param key unique per tenant
 * @param name may be null
 * @param formula {@code prie|weighted_sum}
 * @param weights parsed JSON {@code {propensity, relevance, value, priority}}; a missing weight is
 *     0; each non-negative, their sum positive
 * @param valueMax the monetary value that gives value factor 1, or null to use the largest value in
 *     each flow's inventory (see {@link dev.arbiter.engine.arbitration.Factors})
 */
public record ArbitrationProfileDefinition(
    String id, String key, String name, String formula, Map<String, ?> weights, Double valueMax) {}
