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

-- The least row id a row holding event `event_id` can have (dev.arbiter.db.EventBatch.lowestRowId):
-- a row's events lie within 10 s of its first id's UUIDv7 timestamp, so the row is among those
-- whose id is at least the event's timestamp less 10 s, and at most the event's id. An id that is
-- not a UUID can only be a row's own. For SQL that asks whether an event is still stored.
create function outbox_lowest_row_id(event_id text) returns text
language sql immutable strict parallel safe as $$
  select case
    when event_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-' then
      (select substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-0000-0000-000000000000'
         from (select lpad(to_hex(greatest(0,
                 ('x' || substr(event_id, 1, 8) || substr(event_id, 10, 4))::bit(48)::bigint
                   - 10000)), 12, '0') as h) t)
    else event_id
  end
$$;
