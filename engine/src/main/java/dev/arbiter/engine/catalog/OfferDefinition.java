package dev.arbiter.engine.catalog;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An offer as the API and database hold it (see API.md {@code offers}). Nothing is validated here:
 * {@link CatalogBuilder} does it and reports every problem.
 *
 * @param id the offer's id (UUIDv7), may be null in tests
 * @param key unique per tenant
 * @param name for people
 * @param description may be null
 * @param category may be null
 * @param subcategory may be null
 * @param status {@code draft|active|paused|retired}
 * @param startAt first instant the offer may be decided, or null
 * @param endAt instant from which it may no longer be decided (exclusive), or null
 * @param priority 0..100
 * @param value may be null
 * @param channels channels it may appear in; null or empty means any
 * @param placements placements it may appear in; null or empty means any
 * @param budget may be null
 * @param content free JSON returned with the offer, may be null
 * @param attributes free JSON visible to rules as {@code offer.attributes}, may be null
 */
public record OfferDefinition(
    String id,
    String key,
    String name,
    String description,
    String category,
    String subcategory,
    String status,
    Instant startAt,
    Instant endAt,
    Integer priority,
    OfferValue value,
    List<String> channels,
    List<String> placements,
    BudgetDefinition budget,
    Map<String, ?> content,
    Map<String, ?> attributes) {}
