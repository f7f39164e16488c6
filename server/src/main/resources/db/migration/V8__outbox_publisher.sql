-- What the outbox publisher needs: the insert time for insert-to-ack latency, a NOTIFY on insert
-- so an idle publisher wakes within milliseconds, and indexes for claiming, reaping and listing.

-- clock_timestamp(), not now(): now() is the start of the inserting transaction.
alter table outbox_events add column inserted_at timestamptz not null default clock_timestamp();

-- Claims walk pending rows in id order (UUIDv7, so about time order).
create index outbox_events_claim_idx on outbox_events (id) where status = 'pending';
-- The reaper looks for rows claimed too long ago.
create index outbox_events_processing_idx on outbox_events (claimed_at) where status = 'processing';
-- Admin lists by tenant and status.
create index outbox_events_tenant_status_idx on outbox_events (tenant_id, status, id);

-- One notification per inserting statement (not per row): a batch of 500 wakes publishers once.
-- The payload is empty: publishers claim from the table, the notification only says "look now".
create function outbox_events_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('arbiter_outbox', '');
  return null;
end;
$$;

create trigger outbox_events_notify
  after insert on outbox_events
  for each statement execute function outbox_events_notify();
