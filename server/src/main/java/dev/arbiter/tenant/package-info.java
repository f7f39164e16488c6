/**
 * Tenants: the isolation unit of Arbiter. Every other row carries a tenant id; a tenant's key is
 * what callers send in {@code X-Tenant-Id}. Creating and listing tenants is for platform operators.
 */
package dev.arbiter.tenant;
