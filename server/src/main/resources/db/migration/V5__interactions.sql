-- Interaction history: one row per outcome reported through Respond. Range-partitioned by month on
-- occurred_at so retention drops whole months and a customer's recent contacts are read from one or
-- two small partitions. Rows outside every monthly partition land in interactions_default, so an
-- insert never fails for want of a partition; interactions_ensure_partition(month) creates a month
-- (moving any rows of that month out of the default partition first) and is called by this
-- migration for the window below and by the server at start and daily (InteractionPartitions).
create table interactions (
    id              text not null,
    tenant_id       text not null references tenants (id),
    customer_id     text not null,
    decision_id     text not null,
    offer_key       text not null,
    category        text,
    channel         text,
    outcome         text not null,
    value           numeric,
    occurred_at     timestamptz not null,
    recorded_at     timestamptz not null,
    idempotency_key text not null,
    -- A partitioned table's unique constraints must contain the partition key. id is a UUIDv7 and
    -- unique on its own; uniqueness of idempotency keys across months needs a table that is not
    -- partitioned (Respond's), since no index here can enforce it.
    primary key (id, occurred_at),
    -- 'decision' is the store-only event the contact-history store records for returned offers;
    -- an interaction under that name would be counted by policies meant for decisions.
    constraint interactions_outcome_not_decision check (outcome <> 'decision')
) partition by range (occurred_at);

create table interactions_default partition of interactions default;

create index interactions_customer_idx on interactions (tenant_id, customer_id, occurred_at desc);

-- Creates the partition for the calendar month (UTC) containing month_start, unless it exists.
-- Idempotent and safe to call from several nodes at once (transaction-scoped advisory lock).
-- Returns whether it created the partition.
create function interactions_ensure_partition(month_start date) returns boolean
language plpgsql as $$
declare
    first_day  timestamptz := (date_trunc('month', month_start)::timestamp at time zone 'UTC');
    next_day   timestamptz := ((date_trunc('month', month_start) + interval '1 month')::timestamp
                               at time zone 'UTC');
    part_name  text := 'interactions_' || to_char(date_trunc('month', month_start), 'YYYY_MM');
begin
    perform pg_advisory_xact_lock(hashtext('arbiter.interactions_partitions'));
    if to_regclass(part_name) is not null then
        return false;
    end if;
    execute format('create table %I (like interactions including defaults including constraints)',
                   part_name);
    -- Attaching a range the default partition already holds rows of would fail: move them first.
    execute format('with moved as (delete from interactions_default where occurred_at >= %L'
                   ' and occurred_at < %L returning *) insert into %I select * from moved',
                   first_day, next_day, part_name);
    execute format('alter table interactions attach partition %I for values from (%L) to (%L)',
                   part_name, first_day, next_day);
    return true;
end
$$;

do $$
begin
    for i in -2..12 loop
        perform interactions_ensure_partition(
            (date_trunc('month', now() at time zone 'UTC') + make_interval(months => i))::date);
    end loop;
end
$$;
