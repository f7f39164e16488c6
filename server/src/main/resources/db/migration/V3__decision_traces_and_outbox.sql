-- Decision traces (sampled, written in batches off the request path) and the transactional
-- outbox of events (CloudEvents 1.0 JSON) that the publisher relays to Kafka.
create table decision_traces (
    id            text primary key,
    tenant_id     text not null references tenants (id),
    decision_id   text not null,
    request_id    text,
    customer_id   text not null,
    flow_key      text,
    flow_version  integer,
    created_at    timestamptz not null,
    body          jsonb not null
);

create index decision_traces_customer_idx on decision_traces (tenant_id, customer_id, id desc);
create index decision_traces_decision_idx on decision_traces (tenant_id, decision_id);
create index decision_traces_request_idx on decision_traces (tenant_id, request_id);
create index decision_traces_created_idx on decision_traces (created_at);

create table outbox_events (
    id              text primary key,
    tenant_id       text not null references tenants (id),
    type            text not null,
    -- Kafka key: tenant + customer, so one customer's events stay in order.
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

create index outbox_events_pending_idx on outbox_events (next_attempt_at) where status = 'pending';
create index outbox_events_tenant_idx on outbox_events (tenant_id, id);
create index outbox_events_status_idx on outbox_events (status, created_at);
