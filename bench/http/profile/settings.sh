#!/usr/bin/env bash
# Machine time per Recommend on flow ref100 under each of several server settings, one server per
# setting in the order given (so "A B A B" interleaves them against the machine's drift): per
# request, the JVM's CPU, the embedded PostgreSQL's (every process), the whole machine's busy time
# (/proc/stat), PostgreSQL commits, and the events per outbox row written meanwhile.
#
# Usage: bench/http/profile/settings.sh VAR=value [VAR=value ...]
#   e.g. bench/http/profile/settings.sh ARBITER_DECISION_LOG_LINGER=5ms ARBITER_DECISION_LOG_LINGER=20ms
# Env:   JAR (default server/target/arbiter.jar), JOPTS (default -XX:+UseZGC), SECS (default 20),
#        ROUNDS measured per setting (default 2) after 3 warm-up runs.
# Needs wrk, python3 and psql.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
java_home=$(sh bin/find-jdk) || { echo "needs a JDK 21+" >&2; exit 2; }
java="$java_home/bin/java"
jar=${JAR:-server/target/arbiter.jar}
port=${PORT:-18181}
secs=${SECS:-20}
JOPTS=${JOPTS--XX:+UseZGC}
. bench/http/server.sh
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
commits() { psql -h 127.0.0.1 -p "$1" -U postgres -d postgres -Atc "select sum(xact_commit) from pg_stat_database"; }
per_req() { echo "$1 $2" | awk '{printf "%.1f", $1 * 10000 / $2}'; } # ticks (1/100 s) -> µs
rec() { env FLOW=ref100 wrk -t2 -c32 -d"${secs}s" -s bench/http/recommend.lua "$base/api/v1/recommend"; }
for setting in "$@"; do
  data=$(mktemp -d)
  (
    export "${setting?}"
    start_bench_server
    for _ in 1 2 3; do rec >/dev/null; done
    pgport=$(sed -n 4p "$(find "$data" -name postmaster.pid | head -1)")
    for round in $(seq 1 "${ROUNDS:-2}"); do
      x0=$(commits "$pgport"); j0=$(jvm_cpu_ticks "$pid"); p0=$(pg_cpu_ticks "$data"); m0=$(machine_ticks)
      out=$(rec)
      j1=$(jvm_cpu_ticks "$pid"); p1=$(pg_cpu_ticks "$data"); m1=$(machine_ticks); x1=$(commits "$pgport")
      n=$(echo "$out" | awk '/requests in/ {print $1}')
      rows=$(psql -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -Atc "
        select round(avg(event_count), 1) from outbox_events
         where type = 'decision.made.v1' and created_at > now() - interval '$secs seconds'")
      echo "$setting round $round: $(echo "$out" | awk '/^Requests\/sec/ {print $2}') req/s," \
        "µs/request: JVM $(per_req $((j1 - j0)) "$n"), PostgreSQL $(per_req $((p1 - p0)) "$n")," \
        "machine $(per_req $((m1 - m0)) "$n"); commits per 1,000 requests $(((x1 - x0) * 1000 / n));" \
        "events per row $rows"
    done
  )
done
