-- Offer budget counters, the durable copy of what Redis (or process memory) counts: written
-- behind in batches, only ever raised (greatest of stored and new), read to seed a counter that
-- Redis or memory lacks. period_key is 'total' or the day 'yyyy-MM-dd' in the tenant's time zone.
-- cost is exact to a millionth of the currency unit, as it is counted. No foreign key to tenants:
-- a flush must never fail because of another tenant's row.
create table budget_counters (
    tenant_id  text not null,
    offer_key  text not null,
    period_key text not null check (period_key = 'total' or period_key ~ '^\d{4}-\d{2}-\d{2}$'),
    decisions  bigint not null check (decisions >= 0),
    cost       numeric(24, 6) not null check (cost >= 0),
    updated_at timestamptz not null,
    primary key (tenant_id, offer_key, period_key)
);
