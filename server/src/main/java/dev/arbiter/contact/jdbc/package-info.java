/**
 * The contact history's PostgreSQL side: reading a customer's recent interactions (newest first,
 * capped, served by the {@code (tenant_id, customer_id, occurred_at desc)} index) and keeping the
 * monthly partitions of {@code interactions} ahead of time. Rows outside every monthly partition
 * land in the default partition, so an insert never fails for want of a partition.
 */
package dev.arbiter.contact.jdbc;
