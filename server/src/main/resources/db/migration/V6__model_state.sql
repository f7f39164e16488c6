-- Learned model state as evidence counts, one row per posterior or bin, so concurrent outcomes
-- update different rows with atomic increments and never lose an update. Posteriors are the
-- model's prior plus this evidence, so changing a prior applies at once.
create table model_beta_counts (
    tenant_id  text not null references tenants (id),
    model_key  text not null,
    level      text not null check (level in ('offer', 'category', 'global')),
    key        text not null,             -- offer key, category, or '' for global
    alpha      double precision not null default 0,
    beta       double precision not null default 0,
    updated_at timestamptz not null,
    primary key (tenant_id, model_key, level, key)
);

create table model_bin_counts (
    tenant_id  text not null references tenants (id),
    model_key  text not null,
    offer_key  text not null,
    predictor  text not null,             -- predictor name, or '' for the offer's totals
    bin        integer not null,          -- -1 for the offer's totals
    positives  bigint not null default 0,
    negatives  bigint not null default 0,
    updated_at timestamptz not null,
    primary key (tenant_id, model_key, offer_key, predictor, bin)
);
