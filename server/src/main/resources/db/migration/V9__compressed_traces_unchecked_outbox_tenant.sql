-- Two costs of the decision path's background writes, taken off PostgreSQL's CPU.

-- Trace bodies are stored as JSON compressed by the server (zstd, or gzip where zstd's native
-- library cannot load; the first bytes tell which). A trace of a 100-offer flow is about 35 KB of
-- JSON: as jsonb, PostgreSQL spent about 560 µs of CPU on each (parsing every number into a
-- numeric, then compressing the value for TOAST), against about 45 µs for the compressed bytes;
-- at the default 1% sampling that was a tenth of a decision's cost on the reference flow (see
-- bench/RESULTS.md). The bytes are already compressed, so PostgreSQL does not try again
-- (storage external). Rows written before this version keep their jsonb body until retention
-- deletes them; a row has one or the other. Adding a nullable column and dropping a NOT NULL are
-- catalog-only changes: no rewrite, no long lock.
alter table decision_traces add column body_compressed bytea;
alter table decision_traces alter column body_compressed set storage external;
alter table decision_traces alter column body drop not null;
-- not valid: existing rows all have a body; checking them would read the whole table
alter table decision_traces add constraint decision_traces_body_present
  check (body is not null or body_compressed is not null) not valid;

-- The outbox's foreign key to tenants ran a lookup of the tenant row (with a share lock on it) for
-- every event inserted, the table's busiest path. Tenants are never deleted, and every event's
-- tenant id comes from the authenticated caller, so the check could not fail. Dropping a
-- constraint takes a brief lock and rewrites nothing.
alter table outbox_events drop constraint outbox_events_tenant_id_fkey;
