/**
 * The contact history store: each customer's recent contacts, which contact policies count
 * (frequency caps, cooldowns, channel fatigue). Interactions reported through Respond are durable
 * (PostgreSQL, table {@code interactions}); {@code decision} entries for offers Recommend returned
 * live only in the store. {@link dev.arbiter.contact.FailoverContactHistoryStore} keeps the lists
 * in Redis when configured (shared by every node, one round trip per call), in process memory
 * otherwise or while Redis is unreachable, and loads a customer's interactions from PostgreSQL the
 * first time it is asked about them, merging by entry id so nothing is counted twice or hidden.
 */
package dev.arbiter.contact;
