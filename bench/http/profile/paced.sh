#!/usr/bin/env bash
# Recommend on flow ref100 paced at RATE requests/s (default 5000) after two 20 s peak warm-ups,
# on a fresh server started with JOPTS (e.g. "-XX:+UseZGC -Xlog:gc:file=/tmp/gc.log"): the tail
# latency at a sustainable rate, per JVM configuration (bench/RESULTS.md, "Tail latency and the
# garbage collector").
# Usage: bench/http/profile/paced.sh [seconds, default 20]
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
secs=${1:-20}
java_home=$(sh bin/find-jdk) || { echo "needs a JDK 21+" >&2; exit 2; }
java="$java_home/bin/java"
jar=${JAR:-server/target/arbiter.jar}
data=$(mktemp -d)
port=${PORT:-18181}
. bench/http/server.sh
start_bench_server
for _ in 1 2; do
  env FLOW=ref100 wrk -t2 -c32 -d"${secs}s" -s bench/http/recommend.lua "$base/api/v1/recommend" \
    | sed -n 's/^Requests\/sec:/warm-up req\/s:/p'
done
env FLOW=ref100 RATE="${RATE:-5000}" wrk -t2 -c32 -d"${secs}s" --latency \
  -s bench/http/recommend.lua "$base/api/v1/recommend" | grep -E "Requests/sec|50%|90%|99%"
