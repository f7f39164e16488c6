/**
 * Respond: customers' outcomes reported against decisions, recorded once (Idempotency-Key) in one
 * transaction with their event, the learning they teach and the cost they charge.
 */
package dev.arbiter.respond;
