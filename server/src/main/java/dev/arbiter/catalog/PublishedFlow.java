package dev.arbiter.catalog;

import java.time.Instant;
import java.util.Map;

/** A frozen, published version of a flow; never changed once written. */
public record PublishedFlow(
    String flowId,
    String flowKey,
    int version,
    Map<String, Object> body,
    Instant publishedAt,
    String publishedBy) {}
