-- Interactions committed but not yet known to be in the contact-history store every node shares.
--
-- Respond commits an interaction and only then appends it to the customer's list in Redis, which
-- the contact policies of every node's Recommend count. A node that died between the two (or whose
-- Redis was unreachable and that stopped before it could replay what it buffered) left the
-- interaction out of that list until the list expired or was loaded from PostgreSQL again: a
-- cooldown after a reject, or a frequency cap, could then allow contacts it should have stopped.
-- With Redis configured, Respond now writes a row here in the same statement as the interaction;
-- the node deletes it, in batches, once Redis has acknowledged the append
-- (dev.arbiter.contact.ContactSharing). Every node's reconciler claims rows still here a minute
-- later (claimed_until, set with FOR UPDATE SKIP LOCKED so nodes take different ones, committed at
-- once), appends their interactions to Redis (appends merge by interaction id, so one appended
-- twice counts once) and deletes them. The table holds only the last second's interactions plus
-- those not yet shared: a new, small table rather than a flag on interactions, which would need an
-- index built over the whole partitioned table.
--
-- occurred_at is the interaction's partition key, so the reconciler reads each interaction by its
-- primary key. created_at and claimed_until are the database's time, so that nodes' clocks never
-- decide whose row it is.
--
-- Nodes built before this version write no row here (as before, a retry of the Respond or the
-- list's next load adds what a crash left out).
set local lock_timeout = '10s';

create table unshared_interactions (
    tenant_id      text not null references tenants (id),
    interaction_id text not null,
    occurred_at    timestamptz not null,
    created_at     timestamptz not null default now(),
    claimed_until  timestamptz,
    primary key (tenant_id, interaction_id)
);

create index unshared_interactions_created_idx on unshared_interactions (created_at);
