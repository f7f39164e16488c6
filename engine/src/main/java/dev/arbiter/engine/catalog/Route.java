package dev.arbiter.engine.catalog;

/**
 * The flow a request was routed to, and how.
 *
 * @param flow never null
 * @param how {@code flow_key}, {@code channel_placement} or {@code wildcard}
 */
public record Route(Flow flow, String how) {}
