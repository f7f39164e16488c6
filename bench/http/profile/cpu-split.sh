#!/usr/bin/env bash
# Where the machine's CPU goes per request, for GET /health/live and for Recommend on flow ref100,
# on one server after warm-up: all busy CPU (/proc/stat), the server's JVM, its embedded
# PostgreSQL (every process of it), wrk itself, and the rest (softirq, other processes). On a
# saturated 2-core machine the throughput ratio is the inverse of the two "all" figures, so this
# tells which part of Recommend's extra cost a change must remove (bench/RESULTS.md).
#
# Usage: bench/http/profile/cpu-split.sh [seconds per run, default 20] [rounds, default 2]
# Env:   JAR (default server/target/arbiter.jar), JOPTS (default -XX:+UseZGC, as bin/arbiter)
# Needs wrk, python3 and GNU time (/usr/bin/time).
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
secs=${1:-20}
rounds=${2:-2}
java_home=$(sh bin/find-jdk) || { echo "needs a JDK 21+" >&2; exit 2; }
java="$java_home/bin/java"
jar=${JAR:-server/target/arbiter.jar}
data=$(mktemp -d)
port=${PORT:-18181}
JOPTS=${JOPTS--XX:+UseZGC}
. bench/http/server.sh
start_bench_server
for _ in 1 2 3; do
  env FLOW=ref100 wrk -t2 -c32 -d"${secs}s" -s bench/http/recommend.lua "$base/api/v1/recommend" >/dev/null
done
wrk -t2 -c32 -d"${secs}s" -s bench/http/live.lua "$base/health/live" >/dev/null
busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat; }
measure() { # name wrk-args...
  local name=$1 b0 i0 b1 i1 c0 c1 g0 g1 rps wu ws
  shift
  read -r b0 i0 < <(busy)
  c0=$(jvm_cpu_ticks "$pid")
  g0=$(pg_cpu_ticks "$data")
  /usr/bin/time -f "%U %S" -o "$data/time" "$@" >"$data/out"
  read -r b1 i1 < <(busy)
  c1=$(jvm_cpu_ticks "$pid")
  g1=$(pg_cpu_ticks "$data")
  rps=$(awk '/^Requests\/sec/ {print $2}' "$data/out")
  read -r wu ws <"$data/time"
  awk -v n="$name" -v r="$rps" -v s="$secs" -v b=$((b1 - b0)) -v i=$((i1 - i0)) \
    -v j=$((c1 - c0)) -v g=$((g1 - g0)) -v w="$(awk -v u="$wu" -v t="$ws" 'BEGIN {print u + t}')" \
    'BEGIN {
       q = r * s
       printf "%s requests/s=%.0f busy=%.0f%% us/request: all=%.1f jvm=%.1f postgres=%.1f wrk=%.1f rest=%.1f\n",
         n, r, 100 * b / (b + i), b * 1e4 / q, j * 1e4 / q, g * 1e4 / q, w * 1e6 / q,
         (b * 1e4 - j * 1e4 - g * 1e4 - w * 1e6) / q
     }'
}
for _ in $(seq 1 "$rounds"); do
  measure live wrk -t2 -c32 -d"${secs}s" -s bench/http/live.lua "$base/health/live"
  measure recommend-100 env FLOW=ref100 wrk -t2 -c32 -d"${secs}s" -s bench/http/recommend.lua "$base/api/v1/recommend"
done
