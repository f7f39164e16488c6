package dev.arbiter.tenant;

import java.time.Instant;

/** A tenant. {@code key} is unique, lowercase, and what clients send as {@code X-Tenant-Id}. */
public record Tenant(
    String id, String key, String name, long rowVersion, Instant createdAt, Instant updatedAt) {}
