-- What the outbox publisher needs: the insert time for insert-to-ack latency and indexes for
-- claiming, reaping and listing.

-- clock_timestamp(), not now(): now() is the start of the inserting transaction.
alter table outbox_events add column inserted_at timestamptz not null default clock_timestamp();
-- A new event is due at once unless its writer says otherwise.
alter table outbox_events alter column next_attempt_at set default now();

-- Claims walk pending rows in id order (UUIDv7, so about time order). It replaces the index on
-- next_attempt_at, which claims in id order do not use. Every event changes status twice, and a
-- status change updates every index (no HOT update), so the table keeps as few indexes as it can:
-- the reaper and retention use (status, created_at), the APIs (tenant_id, id).
create index outbox_events_claim_idx on outbox_events (id) where status = 'pending';

-- The event log and the admin list page by (inserted_at, id): the database's clock at insert, so
-- a reader that only reads rows a few seconds old never moves its cursor past a row that commits
-- later (ids are taken before the row commits, by nodes whose clocks differ). Dead letters get
-- their own small index: the admin view of failed events must not walk the whole backlog.
drop index outbox_events_tenant_idx;
create index outbox_events_log_idx on outbox_events (tenant_id, inserted_at, id);
create index outbox_events_failed_idx on outbox_events (tenant_id, inserted_at, id)
  where status = 'failed';
drop index outbox_events_pending_idx;

-- No NOTIFY trigger: PostgreSQL serialises the commits of every transaction that sends a NOTIFY,
-- which would make each Respond wait for the previous one's disk flush. Writers poke a debounced
-- notifier that notifies from its own connection after they commit (db.DebouncedNotifier).
