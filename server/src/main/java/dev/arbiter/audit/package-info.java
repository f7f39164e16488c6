/**
 * The audit log: one row per write to a tenant's catalog or settings, with who, when, what, the
 * request id, and the resource before and after. Rows are only ever inserted.
 */
package dev.arbiter.audit;
