-- Scratch tables for the pgbench side of run-respond.sh: schema pgb, with the columns, keys,
-- constraints and indexes of public.interactions (V5: partitioned by month, default partition,
-- the current month's partition) and public.outbox_events (V3). Same database as the server.
drop schema if exists pgb cascade;
create schema pgb;

create table pgb.interactions (
    id              text not null,
    tenant_id       text not null references public.tenants (id),
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
    primary key (id, occurred_at),
    constraint interactions_outcome_not_decision check (outcome <> 'decision')
) partition by range (occurred_at);
create table pgb.interactions_default partition of pgb.interactions default;
create index interactions_customer_idx on pgb.interactions (tenant_id, customer_id, occurred_at desc);
do $$
declare
    first_day timestamptz := (date_trunc('month', now() at time zone 'UTC') at time zone 'UTC');
begin
    execute format('create table pgb.interactions_current partition of pgb.interactions'
                   ' for values from (%L) to (%L)', first_day, first_day + interval '1 month');
end $$;

create table pgb.outbox_events (
    id              text primary key,
    tenant_id       text not null references public.tenants (id),
    type            text not null,
    partition_key   text not null,
    event           jsonb not null,
    status          text not null default 'pending'
                    check (status in ('pending', 'processing', 'published', 'failed')),
    attempts        integer not null default 0,
    next_attempt_at timestamptz not null,
    last_error      text,
    created_at      timestamptz not null,
    claimed_at      timestamptz,
    published_at    timestamptz
);
create index outbox_events_pending_idx on pgb.outbox_events (next_attempt_at) where status = 'pending';
create index outbox_events_tenant_idx on pgb.outbox_events (tenant_id, id);
create index outbox_events_status_idx on pgb.outbox_events (status, created_at);

-- For the diagnostic runs (respond-pgbench-learn*.sql): model_beta_counts as in V6, and a copy
-- with a shard column in its key (evidence spread over 16 rows per counter, summed on read).
create table pgb.model_beta_counts (
    tenant_id  text not null references public.tenants (id),
    model_key  text not null,
    level      text not null check (level in ('offer', 'category', 'global')),
    key        text not null,
    alpha      double precision not null default 0,
    beta       double precision not null default 0,
    updated_at timestamptz not null,
    primary key (tenant_id, model_key, level, key)
);
create table pgb.model_beta_counts_sharded (
    tenant_id  text not null references public.tenants (id),
    model_key  text not null,
    level      text not null check (level in ('offer', 'category', 'global')),
    key        text not null,
    shard      smallint not null,
    alpha      double precision not null default 0,
    beta       double precision not null default 0,
    updated_at timestamptz not null,
    primary key (tenant_id, model_key, level, key, shard)
);
