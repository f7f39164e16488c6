-- Cost charges committed but not yet known to be counted in their offer's budget.
--
-- Respond commits an offer's cost charge (decision_charges) with its interaction and only then adds
-- the cost to the budget ledger (Redis or the node's memory). A node that stops between the two,
-- or a ledger that cannot count at that moment, left the cost out of the budget for good. Respond
-- now writes a row here in the same statement as the charge; the node deletes it, in batches, once
-- the ledger has counted the cost and saved its counters (dev.arbiter.respond.ChargeCounter). Every
-- node's reconciler claims rows still here a minute later (claimed_until, set with FOR UPDATE SKIP
-- LOCKED so nodes take different ones, and committed at once: no transaction is held while it
-- counts), counts them and deletes them. The table holds only the last second's charges plus those
-- not yet counted or saved: a new, small table rather than a flag on decision_charges, which would need an
-- index built over the whole table.
--
-- charged_at is the responding node's time and chooses the budget's day; created_at and
-- claimed_until are the database's time, so that nodes' clocks never decide whose row it is.
-- catalog_version is the tenant's catalog the charge was made with: a charge whose offer has no
-- budget is forgotten only by a node whose catalog is newer than that.
--
-- Nodes built before this version write no row here and count as before; rows written by newer
-- nodes are counted by them.
set local lock_timeout = '10s';

create table uncounted_charges (
    tenant_id       text not null references tenants (id),
    decision_id     text not null,
    offer_key       text not null,
    cost            numeric not null,
    charged_at      timestamptz not null,
    catalog_version bigint not null,
    created_at      timestamptz not null default now(),
    claimed_until   timestamptz,
    primary key (tenant_id, decision_id, offer_key)
);

create index uncounted_charges_created_idx on uncounted_charges (created_at);
