-- Respond: idempotency keys, tenant-defined outcome types and per-decision cost charges.

-- One row per Idempotency-Key a tenant used with Respond. The first request inserts it inside the
-- Respond transaction, so a retry (or a concurrent duplicate, which waits on the uncommitted row)
-- finds the committed answer and records nothing; a rolled-back Respond leaves no key behind.
-- Not partitioned, so a key is unique for as long as it is kept (RESPOND_IDEMPOTENCY_RETENTION).
create table respond_idempotency (
    tenant_id       text not null references tenants (id),
    idempotency_key text not null,
    request_hash    text not null,           -- SHA-256 of the request's fields
    interaction_id  text not null,           -- the answer is read back from the interaction row
    occurred_at     timestamptz not null,    -- the interaction's partition key
    created_at      timestamptz not null,
    primary key (tenant_id, idempotency_key)
);

create index respond_idempotency_created_idx on respond_idempotency (created_at);

-- Outcome types a tenant adds to the six built-in ones (impression, click, accept, convert,
-- reject, dismiss). The classification decides what the outcome teaches models and whether it
-- charges an offer's cost.
create table outcome_types (
    id             text primary key,
    tenant_id      text not null references tenants (id),
    key            text not null,
    name           text not null,
    description    text,
    classification text not null check (classification in ('positive', 'negative', 'neutral')),
    row_version    bigint not null default 1,
    created_at     timestamptz not null,
    updated_at     timestamptz not null,
    unique (tenant_id, key)
);

-- An offer's cost is charged to its budget once per decision: at the first positive outcome
-- reported for that decision and offer. The row commits with that interaction, so concurrent or
-- repeated positive outcomes never charge twice.
create table decision_charges (
    tenant_id      text not null references tenants (id),
    decision_id    text not null,
    offer_key      text not null,
    interaction_id text not null,
    cost           numeric not null,
    charged_at     timestamptz not null,
    primary key (tenant_id, decision_id, offer_key)
);

create index decision_charges_charged_idx on decision_charges (charged_at);

-- Learned evidence is split into shards: each Respond adds to one randomly chosen shard of its
-- rows, and readers sum the shards. Every positive or negative outcome of a model adds to its
-- global row (and its offer's and category's), and a row lock is held until the commit is flushed
-- to disk, so with a single row concurrent Responds queue one flush at a time; with shards handed
-- out in turn (64 for Thompson rows, 16 for naive Bayes rows; see EvidenceSql) they mostly touch
-- different rows and their commits are flushed together.
alter table model_beta_counts add column shard smallint not null default 0;
alter table model_beta_counts drop constraint model_beta_counts_pkey;
alter table model_beta_counts add primary key (tenant_id, model_key, level, key, shard);

alter table model_bin_counts add column shard smallint not null default 0;
alter table model_bin_counts drop constraint model_bin_counts_pkey;
alter table model_bin_counts add primary key (tenant_id, model_key, offer_key, predictor, bin, shard);
