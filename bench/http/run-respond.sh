#!/usr/bin/env bash
# HTTP benchmark of Respond (POST /api/v1/respond) beside pgbench running the equivalent
# two-insert transaction (an interaction row + its ~640-byte jsonb outbox event) on the same
# PostgreSQL server, in the same run, at the same client concurrency (32 connections, 2 threads).
# Starts the server jar (a copy) against a fresh database on that PostgreSQL (serve --demo: tenant
# demo, flow homepage, Thompson model homepage-bandit), makes 1,000 decisions (one Recommend per
# customer c-1..c-1000), then drives Respond with outcome "click" (positive: it also adds the
# model's evidence and, for personal-loan, charges its cost) cycling through the (decision,
# customer, offer) triples, a fresh Idempotency-Key per request (bench/http/respond.lua).
# pgbench writes into scratch tables with the same columns and indexes (schema pgb,
# bench/http/respond-pgbench-schema.sql, script bench/http/respond-pgbench.sql).
# Order: Respond warm-up (discarded), then pgbench, Respond, pgbench, Respond, back to back.
# During each measured run the active backends' wait events are sampled every 0.2 s.
# Usage: bench/http/run-respond.sh [seconds per run, default 20]
# Env: PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres; needs createdb, trust auth),
#      PORT (18183), WARMUP (seconds, default 30, at least 20), KEEP=1 keeps the work dir (logs).
# Needs wrk, pgbench, psql/createdb/dropdb, python3 and curl. Prints a markdown table.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
secs=${1:-20}
warmup=${WARMUP:-30}
for c in wrk pgbench psql createdb dropdb python3 curl; do
  command -v "$c" >/dev/null || { echo "needs $c" >&2; exit 2; }
done
java_home=$(sh bin/find-jdk) || { echo "needs a JDK 21+" >&2; exit 2; }
java="$java_home/bin/java"
[ -f server/target/arbiter.jar ] || JAVA_HOME="$java_home" ./mvnw -q -B -DskipTests -pl server -am package
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
db="arbiter_bench_$$"
data=$(mktemp -d)
cp server/target/arbiter.jar "$data/arbiter.jar"   # another build may replace the original
port=${PORT:-18183}
base="http://127.0.0.1:$port"
pid=
sampler=
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  dropdb --if-exists "$db" 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "kept $data" >&2; else rm -rf "$data"; fi
}
trap cleanup EXIT
createdb "$db"
ARBITER_DATA_DIR="$data" PORT=$port ARBITER_BIND_ADDRESS=127.0.0.1 LOG_LEVEL=WARN RATE_LIMIT_ENABLED=false \
  DATABASE_URL="postgresql://$PGUSER@$PGHOST:$PGPORT/$db" API_KEY_PEPPER="bench-pepper-$(date +%s)-0123456789abcdef" \
  "$java" -jar "$data/arbiter.jar" serve --demo >"$data/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  [ -s "$data/demo-api-key" ] && curl -sf "$base/health/live" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$data/server.log" >&2; exit 1; }
  sleep 1
done
KEY=$(cat "$data/demo-api-key")
export KEY TENANT=demo DECISIONS="$data/decisions.txt"
tenant_id=$(psql -d "$db" -Atc "select id from tenants where key = 'demo'")

# 1,000 decisions: customers c-1..c-1000, every returned offer becomes a (decision, customer, offer).
python3 - "$port" "$KEY" >"$DECISIONS" <<'PY'
import http.client, json, sys
port, key = int(sys.argv[1]), sys.argv[2]
conn = http.client.HTTPConnection("127.0.0.1", port)
headers = {"Authorization": "Bearer " + key, "X-Tenant-Id": "demo", "Content-Type": "application/json"}
for i in range(1, 1001):
    body = {"customerId": f"c-{i}", "flowKey": "homepage", "attributes": {"balance": 12000, "age": 40}}
    conn.request("POST", "/api/v1/recommend", json.dumps(body), headers)
    r = conn.getresponse()
    d = json.loads(r.read())
    assert r.status == 200, d
    for o in d["offers"]:
        print(d["decisionId"], f"c-{i}", o["offerKey"])
PY
triples=$(wc -l <"$DECISIONS")
offers=$(awk '{print $3}' "$DECISIONS" | sort | uniq -c | awk '{printf "%s%s x%s", s, $2, $1; s=", "}')

PGOPTIONS="-c client_min_messages=warning" psql -q -d "$db" -v ON_ERROR_STOP=1 -f bench/http/respond-pgbench-schema.sql

# Wait-event sampler: every 0.2 s, the active backends of the bench database by wait event.
sample() { # file
  while :; do
    psql -d "$db" -Atc "select coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, '-')
                         from pg_stat_activity where datname = current_database()
                          and state = 'active' and pid <> pg_backend_pid()" >>"$1" 2>/dev/null || true
    sleep 0.2
  done
}
stats() { # pg counters: commits, then inserts and updates per table
  psql -d "$db" -Atc "select 'xact_commit', xact_commit from pg_stat_database where datname = current_database()
                      union all select 'ins:' || schemaname || '.' || relname, n_tup_ins
                       from pg_stat_user_tables where n_tup_ins > 0
                      union all select 'upd:' || schemaname || '.' || relname, n_tup_upd
                       from pg_stat_user_tables where n_tup_upd > 0" | sort
}
pct() { sort -n | awk '{a[NR]=$1} END {i50=int(NR*0.50); i99=int(NR*0.99); if (i50<1) i50=1; if (i99<1) i99=1; printf "%.2fms %.2fms", a[i50]/1000, a[i99]/1000}'; }
load() { awk '{print $1}' /proc/loadavg; }

run_respond() { # name [OUTCOME=...]
  local name=$1 l0; shift
  l0=$(load)
  stats >"$data/$name.before"
  sample "$data/$name.waits" & sampler=$!
  env "$@" RUN="$name-$$" wrk -t2 -c32 -d"${secs}s" --latency -s bench/http/respond.lua "$base/api/v1/respond" >"$data/$name.txt"
  kill "$sampler"; wait "$sampler" 2>/dev/null || true; sampler=
  stats >"$data/$name.after"
  kill -0 "$pid" 2>/dev/null || { echo "server died during $name" >&2; tail -20 "$data/server.log" >&2; exit 1; }
  local rps p50 p99 n bad
  rps=$(awk '/^Requests\/sec/ {print $2}' "$data/$name.txt")
  p50=$(awk '$1=="50%" {print $2}' "$data/$name.txt")
  p99=$(awk '$1=="99%" {print $2}' "$data/$name.txt")
  n=$(awk '/requests in/ {print $1}' "$data/$name.txt")
  bad=$(awk '/Non-2xx/ {print $NF}' "$data/$name.txt"); bad=${bad:-0}
  echo "$name $rps $p50 $p99 $l0/$(load) $n $bad"
}
run_pgbench() { # name [extra statements: a script run inside respond-pgbench.sql's transaction]
  local name=$1 extra=${2:-} l0 script="$data/$1.sql"
  { grep -v '^COMMIT;' bench/http/respond-pgbench.sql
    if [ -n "$extra" ]; then cat "bench/http/$extra"; fi
    echo 'COMMIT;'; } >"$script"
  l0=$(load)
  stats >"$data/$name.before"
  sample "$data/$name.waits" & sampler=$!
  pgbench -n -M prepared -c 32 -j 2 -T "$secs" -D tenant="$tenant_id" -l --log-prefix="$data/$name" \
    -f "$script" "$db" >"$data/$name.txt" 2>"$data/$name.err"
  kill "$sampler"; wait "$sampler" 2>/dev/null || true; sampler=
  stats >"$data/$name.after"
  local tps p n bad
  tps=$(awk '/^tps/ {print $3}' "$data/$name.txt")
  p=$(cat "$data/$name".[0-9]* | awk '{print $3}' | pct)
  n=$(awk '/number of transactions actually processed/ {print $NF}' "$data/$name.txt")
  bad=$(awk '/number of failed transactions/ {print $5}' "$data/$name.txt"); bad=${bad:-0}
  echo "$name $tps $p $l0/$(load) $n $bad"
}

# Warm-up (discarded): the JIT, the pools, the first pages of the tables.
RUN="warm-$$" wrk -t2 -c32 -d"${warmup}s" -s bench/http/respond.lua "$base/api/v1/respond" >"$data/warm.txt"
pgbench -n -M prepared -c 32 -j 2 -T 5 -D tenant="$tenant_id" -f bench/http/respond-pgbench.sql "$db" >/dev/null 2>&1

pg1=$(run_pgbench pgbench-1)
rs1=$(run_respond respond-1)
pg2=$(run_pgbench pgbench-2)
rs2=$(run_respond respond-2)

# Diagnostics, after the measured pairs: Respond without learning (impression: positive, teaches
# nothing), and pgbench with the model evidence upserts (as sent, in one statement, sharded).
rsi=$(run_respond respond-impression OUTCOME=impression)
pgl=$(run_pgbench pgbench-learn respond-pgbench-learn.sql)
pgb=$(run_pgbench pgbench-learn-batched respond-pgbench-learn-batched.sql)
pgs=$(run_pgbench pgbench-learn-sharded respond-pgbench-learn-sharded.sql)

echo
echo "| run | transactions/s | p50 | p99 | load avg (start/end) | completed | errors |"
echo "|---|---:|---:|---:|---|---:|---:|"
for line in "$pg1" "$rs1" "$pg2" "$rs2"; do
  echo "$line" | awk '{printf "| %s | %.0f | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7}'
done
r1=$(awk -v a="$(echo "$rs1" | awk '{print $2}')" -v b="$(echo "$pg1" | awk '{print $2}')" 'BEGIN {printf "%.3f", a / b}')
r2=$(awk -v a="$(echo "$rs2" | awk '{print $2}')" -v b="$(echo "$pg2" | awk '{print $2}')" 'BEGIN {printf "%.3f", a / b}')
echo
echo "Respond / pgbench: run 1 $r1, run 2 $r2 (target: at least 0.5)"
echo
echo "Diagnostics (same run, after the pairs):"
echo
echo "| run | transactions/s | p50 | p99 | load avg (start/end) | completed | errors |"
echo "|---|---:|---:|---:|---|---:|---:|"
for line in "$rsi" "$pgl" "$pgb" "$pgs"; do
  echo "$line" | awk '{printf "| %s | %.0f | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7}'
done
echo "decisions: 1000, triples: $triples ($offers)"

# Per Respond (run 2): commits and rows written, from pg_stat_database / pg_stat_user_tables.
n2=$(echo "$rs2" | awk '{print $6}')
echo
echo "PostgreSQL counters per completed request (respond-2 / pgbench-2):"
for name in respond-2 pgbench-2; do
  n=$( [ "$name" = respond-2 ] && echo "$n2" || echo "$pg2" | awk '{print $6}')
  join "$data/$name.before" "$data/$name.after" -t '|' \
    | awk -F'|' -v n="$n" -v name="$name" '$3 - $2 > 0 {printf "  %s %s: %.2f\n", name, $1, ($3 - $2) / n}'
done
echo
echo "Active backends by wait event (samples every 0.2 s; share of backend-samples):"
for name in pgbench-2 respond-2 respond-impression pgbench-learn pgbench-learn-batched pgbench-learn-sharded; do
  sort "$data/$name.waits" | uniq -c | sort -rn \
    | awk -v name="$name" -v s="$secs" '{a[NR]=$2; c[NR]=$1; t+=$1} END {printf "  %s:", name; for (i=1;i<=NR&&i<=6;i++) printf " %s %.0f%%;", a[i], 100*c[i]/t; printf " (%.1f active on average)\n", t / (5 * s)}'
done
grep -c '"level":"ERROR"' "$data/server.log" | awk '{print "server log ERROR lines: " $1}' || true
rows=$(psql -d "$db" -Atc "select count(*) from interactions")
echo "interactions recorded: $rows (warm-up + respond-1 + respond-2 + respond-impression; wrk counts miss the requests in flight at the end)"
