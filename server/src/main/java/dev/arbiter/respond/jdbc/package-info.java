/** PostgreSQL storage of Respond: interactions, idempotency keys, outcome types, charges. */
package dev.arbiter.respond.jdbc;
