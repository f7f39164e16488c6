/** The outbox table on PostgreSQL: claiming, settling, reaping, purging and listing rows. */
package dev.arbiter.outbox.jdbc;
