-- Decision events stored many to an outbox row.
--
-- Every decision writes a decision.made.v1 event. One row per event cost PostgreSQL a heap tuple,
-- four index entries and their WAL per decision: about 25 µs of its CPU, a fifth of the machine
-- time a decision costs, and what kept Recommend's throughput furthest from /health/live's (see
-- bench/RESULTS.md). The decision log now writes a tenant's events of one batch as rows of up to
-- ARBITER_DECISION_EVENTS_PER_ROW events each (default 64): the row's document is a batch (see
-- dev.arbiter.db.EventBatch: each event's id, Kafka key and CloudEvent JSON, compressed together),
-- its id the first (least) event id, last_id the greatest, event_count how many. A row of one
-- event is stored as before: its document is the CloudEvent itself, last_id is null and
-- event_count 1. The publisher sends a batch row's events as one Kafka record each and marks the
-- row published once all are acknowledged; the event log API lists them one by one.
--
-- Nodes built before this version read a batch row's document as one event: during a rolling
-- upgrade from one, new nodes run with ARBITER_DECISION_EVENTS_PER_ROW=1 until no old node (and no
-- old outbox-publisher) is left (README, "Upgrading").
--
-- A column with a constant default and a nullable one are catalog-only changes: no rewrite. The
-- batch's bytes are already compressed; a row is kept whole in its page up to a page's size rather
-- than cut into TOAST chunks from 2 KB on (toast_tuple_target), which would cost a tuple and an
-- index entry per 2 KB chunk.
set local lock_timeout = '10s';
alter table outbox_events add column event_count integer not null default 1;
alter table outbox_events add column last_id text;
alter table outbox_events add constraint outbox_events_event_count_positive
  check (event_count >= 1) not valid;
alter table outbox_events set (toast_tuple_target = 8160);
