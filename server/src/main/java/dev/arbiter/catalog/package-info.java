/**
 * The catalog of each tenant: offers, qualification rules, contact policies, models, arbitration
 * profiles and decision flows, managed over HTTP and as one document. Every write is checked by the
 * engine against the whole catalog (so a stored catalog always compiles), bumps the tenant's
 * catalog version, is audited, and reaches every node through PostgreSQL NOTIFY.
 */
package dev.arbiter.catalog;
