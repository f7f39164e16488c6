-- What a node counted in memory while Redis was unreachable and has not added to Redis's counters
-- yet: a row per node and counter, rewritten by that node at every flush during an outage (so
-- updated_at stays fresh while it lives) and deleted once it has added them. A node that crashes
-- or stops while Redis is still unreachable leaves its rows; once they are older than a minute
-- (and three flush intervals), a node on Redis adds them to Redis's counters and deletes them.
-- No foreign key to tenants, as for budget_counters: a flush must never fail on another tenant.
create table budget_outage_additions (
    node_id    text not null,
    tenant_id  text not null,
    offer_key  text not null,
    period_key text not null check (period_key = 'total' or period_key ~ '^\d{4}-\d{2}-\d{2}$'),
    decisions  bigint not null check (decisions >= 0),
    cost       numeric(24, 6) not null check (cost >= 0),
    updated_at timestamptz not null,
    primary key (node_id, tenant_id, offer_key, period_key)
);
