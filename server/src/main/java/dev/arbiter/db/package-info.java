/**
 * The database connection: embedded PostgreSQL under the data directory when no {@code
 * DATABASE_URL} is configured, a bounded Hikari pool with a short connection timeout, and Flyway
 * migrations. A process never runs two embedded servers on one data directory: a second process
 * attaches to the one already running.
 */
package dev.arbiter.db;
