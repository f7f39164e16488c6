-- The catalog: every resource kind in one table (the body is validated by the engine before it
-- is stored), published flow versions (never changed once written), tenant settings, the audit
-- log of every write, and a per-tenant catalog version bumped by every change.
alter table tenants add column catalog_version bigint not null default 0;

create table catalog_resources (
    id          text primary key,
    tenant_id   text not null references tenants (id),
    kind        text not null check (kind in ('offer', 'qualification_rule', 'contact_policy',
                                              'model', 'arbitration_profile', 'flow')),
    key         text not null,
    body        jsonb not null,
    row_version bigint not null default 1,
    created_at  timestamptz not null,
    updated_at  timestamptz not null,
    created_by  text,
    updated_by  text,
    unique (tenant_id, kind, key)
);

create table flow_versions (
    tenant_id    text not null references tenants (id),
    flow_id      text not null,
    flow_key     text not null,
    version      integer not null,
    body         jsonb not null,
    published_at timestamptz not null,
    published_by text,
    primary key (tenant_id, flow_key, version)
);

create table tenant_settings (
    tenant_id   text primary key references tenants (id),
    body        jsonb not null,
    row_version bigint not null default 1,
    updated_at  timestamptz not null,
    updated_by  text
);

create table audit_log (
    id          text primary key,
    tenant_id   text not null references tenants (id),
    at          timestamptz not null,
    actor       text not null,
    action      text not null,
    kind        text not null,
    key         text,
    resource_id text,
    request_id  text,
    before      jsonb,
    after       jsonb
);

create index audit_log_tenant_idx on audit_log (tenant_id, id);
create index audit_log_resource_idx on audit_log (tenant_id, kind, key, id);
