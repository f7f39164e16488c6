/**
 * The durable copy of budget counters in PostgreSQL ({@code budget_counters}): batched upserts that
 * only ever raise a counter, and batched reads by key. Nothing here is on the decision path except
 * the read that seeds a counter missing from Redis or memory.
 */
package dev.arbiter.budget.jdbc;
