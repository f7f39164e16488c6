#!/usr/bin/env bash
# What V13's uncounted_charges row costs a Respond that charges a cost: pgbench runs the charge
# insert alone (as before V13) and the charge insert with the uncounted row written from its
# RETURNING (as JdbcRespondRepository.record does), each beside a once-a-second delete of the rows
# older than a second (what ChargeCounter's batched delete does), on scratch tables with the same
# columns and indexes (schema chg, dropped at the end), alternating ROUNDS times.
# Usage: bench/http/charge-pgbench.sh [seconds per run, default 15]
# Env: PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres), PGDATABASE (test), CLIENTS (8),
#      ROUNDS (2). Needs psql and pgbench. Prints one line per run.
set -euo pipefail
secs=${1:-15}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
export PGDATABASE=${PGDATABASE:-test}
clients=${CLIENTS:-8}
work=$(mktemp -d)
trap 'psql -q -c "drop schema if exists chg cascade" >/dev/null 2>&1; rm -rf "$work"' EXIT
psql -q -v ON_ERROR_STOP=1 >/dev/null <<'EOF'
set client_min_messages = warning;
drop schema if exists chg cascade;
create schema chg;
create table chg.decision_charges (
    tenant_id text not null, decision_id text not null, offer_key text not null,
    interaction_id text not null, cost numeric not null, charged_at timestamptz not null,
    primary key (tenant_id, decision_id, offer_key));
create index on chg.decision_charges (charged_at);
create table chg.uncounted_charges (
    tenant_id text not null, decision_id text not null, offer_key text not null,
    cost numeric not null, charged_at timestamptz not null, catalog_version bigint not null,
    created_at timestamptz not null default now(), claimed_until timestamptz,
    primary key (tenant_id, decision_id, offer_key));
create index on chg.uncounted_charges (created_at);
EOF
cat >"$work/charge.sql" <<'EOF'
with charge as (
  insert into chg.decision_charges (tenant_id, decision_id, offer_key, interaction_id, cost,
                                    charged_at)
  values ('t', lpad(txid_current()::text, 36, '0'), 'personal-loan', 'i', 30, now())
  on conflict do nothing returning 1)
select count(*) from charge;
EOF
cat >"$work/charge-uncounted.sql" <<'EOF'
with charge as (
  insert into chg.decision_charges (tenant_id, decision_id, offer_key, interaction_id, cost,
                                    charged_at)
  values ('t', lpad(txid_current()::text, 36, '0'), 'personal-loan', 'i', 30, now())
  on conflict do nothing returning 1),
uncounted as (
  insert into chg.uncounted_charges (tenant_id, decision_id, offer_key, cost, charged_at,
                                     catalog_version)
  select 't', lpad(txid_current()::text, 36, '0'), 'personal-loan', 30, now(), 7 from charge)
select count(*) from charge;
EOF
cat >"$work/delete.sql" <<'EOF'
delete from chg.uncounted_charges where created_at < now() - interval '1 second';
\sleep 1 s
EOF
for round in $(seq 1 "${ROUNDS:-2}"); do
  for script in charge charge-uncounted; do
    psql -q -c "truncate chg.decision_charges, chg.uncounted_charges"
    pgbench -n -c 1 -T "$secs" -f "$work/delete.sql" >/dev/null 2>&1 &
    deleter=$!
    result=$(pgbench -n -c "$clients" -j 2 -T "$secs" -f "$work/$script.sql" 2>&1 \
      | sed -n 's/^tps = \([0-9.]*\).*/\1/p; s/^latency average = \(.*\)/\1/p' | paste -sd' ')
    wait "$deleter"
    echo "round $round, $script: latency average, tps: $result"
  done
done
