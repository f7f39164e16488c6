#!/usr/bin/env bash
# With REDIS_URL: Recommend on flow ref100 at a few concurrencies, and how many Redis commands
# each of Redis's socket reads carried (INFO stats: total_commands_processed over
# total_reads_processed during the run), i.e. how well the commands of concurrent decisions share
# writes (FailFastRedis.send). Counts every client of that Redis: run it on a Redis nothing else
# uses. Also prints requests/s and wrk's p50 per concurrency.
#
# Usage: bench/http/profile/redis-writes.sh [seconds per run, default 10] [concurrencies, default "1 32"]
# Env:   JAR (default server/target/arbiter.jar), JOPTS (default -XX:+UseZGC),
#        REDIS_URL (default redis://127.0.0.1:6379)
# Needs wrk, redis-cli and python3.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
secs=${1:-10}
conns=${2:-1 32}
java_home=$(sh bin/find-jdk) || { echo "needs a JDK 21+" >&2; exit 2; }
java="$java_home/bin/java"
jar=${JAR:-server/target/arbiter.jar}
data=$(mktemp -d)
port=${PORT:-18181}
JOPTS=${JOPTS--XX:+UseZGC}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
. bench/http/server.sh
start_bench_server
stats() {
  redis-cli -u "$REDIS_URL" info stats | tr -d '\r' \
    | awk -F: '$1=="total_commands_processed" {c=$2} $1=="total_reads_processed" {r=$2} END {print c, r}'
}
env FLOW=ref100 wrk -t2 -c32 -d"${secs}s" -s bench/http/recommend.lua "$base/api/v1/recommend" >/dev/null
for c in $conns; do
  read -r c0 r0 < <(stats)
  out=$(env FLOW=ref100 wrk -t$((c < 2 ? 1 : 2)) -c"$c" -d"${secs}s" --latency -s bench/http/recommend.lua \
    "$base/api/v1/recommend" | awk '/^Requests\/sec/ {r = $2} $1 == "50%" {p = $2} END {print r, p}')
  read -r c1 r1 < <(stats)
  read -r rps p50 <<<"$out"
  awk -v c="$c" -v rps="$rps" -v p50="$p50" -v cmds=$((c1 - c0)) -v reads=$((r1 - r0)) \
    'BEGIN {printf "connections=%s requests/s=%s p50=%s redis commands=%d reads=%d commands/read=%.2f\n", c, rps, p50, cmds, reads, cmds / reads}'
done
