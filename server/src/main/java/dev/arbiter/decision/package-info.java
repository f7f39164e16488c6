/**
 * Recommend: serves the engine over HTTP. A request is routed to a published flow of the tenant's
 * compiled catalog snapshot, decided by the engine without any blocking database write, and
 * answered with the ranked offers; {@code X-Debug} returns the full trace inline.
 */
package dev.arbiter.decision;
