-- Tenants and their API keys: the identity base every other table hangs off.
create table tenants (
    id          text primary key,
    key         text not null unique,
    name        text not null,
    status      text not null default 'active' check (status in ('active', 'suspended')),
    row_version bigint not null default 1,
    created_at  timestamptz not null,
    updated_at  timestamptz not null,
    constraint tenants_key_format check (key ~ '^[a-z0-9][a-z0-9_-]{0,62}$')
);

create table api_keys (
    id           text primary key,
    tenant_id    text not null references tenants (id),
    name         text not null,
    role         text not null check (role in ('admin', 'editor', 'viewer', 'decision')),
    -- HMAC-SHA256(API_KEY_PEPPER, key), hex; the key itself is never stored.
    key_hash     text not null unique,
    key_prefix   text not null,
    created_by   text,
    created_at   timestamptz not null,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

create index api_keys_tenant_idx on api_keys (tenant_id, created_at);
