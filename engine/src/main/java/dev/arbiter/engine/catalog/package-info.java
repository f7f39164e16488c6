/**
 * The catalog snapshot: one tenant's offers, qualification rules, contact policies, models,
 * arbitration profiles and flows, validated and compiled once per catalog version. Callers build it
 * from plain definition records that mirror the HTTP resources; building reports every violation
 * with a field path, or yields an immutable, thread-safe {@link
 * dev.arbiter.engine.catalog.CatalogSnapshot} in which rules are compiled, durations parsed,
 * references resolved and each flow's candidates and each offer's rules and policies precomputed.
 */
package dev.arbiter.engine.catalog;
