-- Whether a publisher has ever run against this database, and when it last said so.
--
-- A node without KAFKA_BOOTSTRAP_SERVERS (log-only mode) deletes pending events older than
-- OUTBOX_RETENTION: right where nothing publishes them, a loss where an outbox-publisher tier (or
-- a node with Kafka) does and is down or behind for longer than that. Publishers record themselves
-- here at least once a minute; while a row exists, log-only nodes keep pending events, whatever the
-- publisher's state (README, "Retention"). A deployment that retired its publisher for good
-- deletes the rows. A new table: no lock on any existing one.
create table outbox_publishers (
    name         text primary key,
    last_seen_at timestamptz not null default now()
);
