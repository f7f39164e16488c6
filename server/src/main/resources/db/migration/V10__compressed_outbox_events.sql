-- Outbox events stored as JSON compressed by the server, as decision traces are since V9.
--
-- Every decision writes a decision.made.v1 event, about 1.6 KB of JSON on the reference flow. As
-- jsonb, PostgreSQL parsed each (every number into a numeric) and stored 1.75 KB; the event row
-- was most of the database's CPU per decision, and the decision log's insert rate is what bounds
-- a node's decisions per second (see bench/RESULTS.md). Compressed by the server (zstd, or gzip
-- where zstd's native library cannot load; the first bytes tell which) it is about 0.7 KB that
-- PostgreSQL stores as it comes.
--
-- Rows written before this version keep their jsonb event until the publisher and retention are
-- done with them; a row has one or the other, and every reader accepts both. Nodes built before
-- this version read only jsonb: during a rolling upgrade from one, new nodes run with
-- ARBITER_DOCUMENT_STORAGE=jsonb until no old node is left (README, "Upgrading").
--
-- Adding a nullable column and dropping a NOT NULL are catalog-only changes: no rewrite, no long
-- lock. The bytes are already compressed, so PostgreSQL does not try again (storage external).
--
-- Each statement still needs a moment's exclusive lock on the busiest table. Waiting for it behind
-- a long transaction would queue every insert of the running nodes behind this migration, so it
-- gives up after 10 s instead (the node's start fails and says so; start it again).
set local lock_timeout = '10s';
alter table outbox_events add column event_compressed bytea;
alter table outbox_events alter column event_compressed set storage external;
alter table outbox_events alter column event drop not null;
-- not valid: existing rows all have an event; checking them would read the whole table
alter table outbox_events add constraint outbox_events_event_present
  check (event is not null or event_compressed is not null) not valid;
